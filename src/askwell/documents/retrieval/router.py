"""Search an assistant's knowledge: the retrieval the chat uses, for integrations and evaluation."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from askwell.apikeys.deps import CallerDep, KeyRateLimit
from askwell.apikeys.schemas import KeyAction
from askwell.assistants import service as assistant_service
from askwell.assistants.schemas import RetrievalSettings
from askwell.deps import RuntimeDep, SessionDep
from askwell.documents.retrieval.schemas import RerankReport, SearchRequest, SearchResponse
from askwell.documents.retrieval.service import filter_for

router = APIRouter(tags=["search"])


class _RerankRecorder:
    """The search's steps, of which only the rerank part's outcome goes into the response."""

    report: RerankReport | None = None

    def started(self, part: str) -> None:
        pass

    def finished(self, part: str, **metadata: Any) -> None:
        if part == "rerank":
            self.report = RerankReport.model_validate(metadata)


@router.post("/assistants/{assistant_id}/search", response_model=SearchResponse)
async def search(
    assistant_id: uuid.UUID,
    search_in: SearchRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: CallerDep,
    _limit: KeyRateLimit,
) -> SearchResponse:
    """Hybrid (or keyword / vector) search over the assistant's documents, best first."""
    caller.ensure_scope(assistant_id, KeyAction.SEARCH)
    assistant = await assistant_service.get(session=session, assistant_id=assistant_id)
    caller.ensure_can_use(assistant)
    retrieval = RetrievalSettings.of(assistant.retrieval)
    recorder = _RerankRecorder()
    results = await runtime.retriever.search(
        session,
        where=filter_for(assistant.id),
        query=search_in.query,
        top_k=search_in.top_k,
        mode=search_in.mode,
        steps=recorder,
        **retrieval.search_options(),
    )
    return SearchResponse(results=results, rerank=recorder.report)
