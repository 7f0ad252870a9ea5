"""Assistants on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from askwell.errors import Invalid
from askwell.rerankers.registry import check_reranker_name

_MODEL_NAME = r"^[a-z][a-z0-9_-]*:.+$"
_LANGUAGE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
_LANGUAGE_MAX = 20  # the column's length: PostgreSQL refuses a longer tag with an error


class RetrievalSettings(BaseModel):
    """How an assistant searches its knowledge."""

    top_k: int = Field(default=5, ge=1, le=50)
    keyword_weight: float = Field(default=1.0, ge=0, le=10)
    # Defaults chosen on both dev sets (bench/RESULTS.md, retrieval, "Fusion on two corpora"):
    # normalised scores with vector search weighted 1.5 is the only setting measured that ranks
    # above vector search alone on both, and the best on average.
    vector_weight: float = Field(default=1.5, ge=0, le=10)
    fusion: Literal["rrf", "scores"] = Field(  # the methods of documents.retrieval.fusion.fuse
        default="scores",
        description='How keyword and vector rankings merge: "rrf" (by rank) or "scores" (by '
        "normalised scores, weighted by keyword_weight and vector_weight).",
    )

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> RetrievalSettings:
        """An assistant's stored settings (`Assistant.retrieval`), with the defaults filled in."""
        return cls.model_validate(stored or {})

    def search_options(self, *, rerank: bool = True) -> dict[str, Any]:
        """The keyword arguments of `Retriever.search` these settings decide (all but top_k, so
        that every caller searches as the chat does); `rerank=False` leaves the reranker out."""
        return {
            "keyword_weight": self.keyword_weight,
            "vector_weight": self.vector_weight,
            "fusion": self.fusion,
            "reranker": self.reranker if rerank else None,
            "rerank_candidates": self.rerank_candidates,
        }

    reranker: str | None = Field(
        default=None,
        max_length=200,
        pattern=_MODEL_NAME,
        description='"provider:model" of a reranker (e.g. "http:bge-reranker-v2-m3"), which reorders '
        "the fused candidates before the best top_k are kept; null: no reranking.",
    )
    rerank_candidates: int = Field(
        default=20,
        ge=1,
        le=100,
        description="Fused results the reranker reorders (at least top_k are).",
    )

    @field_validator("reranker")
    @classmethod
    def _known_reranker(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_reranker_name(value)
            except Invalid as exc:  # a 422 naming the known providers
                raise ValueError(exc.message) from exc
        return value


class AssistantBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    system_prompt: str = Field(default="", max_length=20000)
    model: str | None = Field(
        default=None,
        max_length=200,
        pattern=_MODEL_NAME,
        description='"provider:model"; null uses the server default.',
    )
    language: str | None = Field(
        default=None, pattern=_LANGUAGE, max_length=_LANGUAGE_MAX, description='e.g. "en", "fr"'
    )
    user_authentication: bool = False
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)


class AssistantCreate(AssistantBase):
    pass


class AssistantUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    system_prompt: str | None = Field(default=None, max_length=20000)
    model: str | None = Field(default=None, max_length=200, pattern=_MODEL_NAME)
    language: str | None = Field(default=None, pattern=_LANGUAGE, max_length=_LANGUAGE_MAX)
    user_authentication: bool | None = None
    retrieval: RetrievalSettings | None = None


class AssistantRead(AssistantBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
