"""Search requests and results on the wire."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from askwell.turn.events import Source

SearchMode = Literal["hybrid", "keyword", "vector"]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(default=10, ge=1, le=100)
    mode: SearchMode = "hybrid"


class RerankReport(BaseModel):
    """How the results were reranked."""

    model: str = Field(description='The reranker, "provider:model".')
    candidates: int = Field(description="Fused results it was given to reorder.")
    fallback: bool = Field(description="True when it failed and the results keep the fused order.")
    error: str | None = Field(default=None, description="Why it failed, when it did.")


class SearchResponse(BaseModel):
    results: list[Source]
    rerank: RerankReport | None = Field(
        default=None, description="Set when the assistant has a reranker (its retrieval settings)."
    )
