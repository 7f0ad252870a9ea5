"""Search an assistant's knowledge: the retrieval the chat uses, for integrations and evaluation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from askwell.assistants import service as assistant_service
from askwell.deps import OptionalUser, RuntimeDep, SessionDep
from askwell.retrieval.schemas import SearchRequest, SearchResponse
from askwell.retrieval.service import filter_for

router = APIRouter(tags=["search"])


@router.post("/assistants/{assistant_id}/search", response_model=SearchResponse)
async def search(
    assistant_id: uuid.UUID,
    search_in: SearchRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    user: OptionalUser,
) -> SearchResponse:
    """Hybrid (or keyword / vector) search over the assistant's documents, best first."""
    assistant = await assistant_service.get_for_chat(session=session, assistant_id=assistant_id, user=user)
    retrieval = assistant.retrieval or {}
    results = await runtime.retriever.search(
        session,
        where=filter_for(assistant.id),
        query=search_in.query,
        top_k=search_in.top_k,
        mode=search_in.mode,
        keyword_weight=float(retrieval.get("keyword_weight", 1.0)),
        vector_weight=float(retrieval.get("vector_weight", 2.0)),
    )
    return SearchResponse(results=results)
