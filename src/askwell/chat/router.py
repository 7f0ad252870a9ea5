"""The chat endpoints: stream a turn, read a session's history, reset it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from askwell.assistants import service as assistant_service
from askwell.auth.deps import ChatRateLimit, CurrentUser, OptionalUser
from askwell.chat import service
from askwell.chat.flows import prepare_turn, run_turn
from askwell.chat.history import format_message
from askwell.chat.schemas import ChatRequest, HistoryResponse, ResetResponse, SessionRead, SessionUpdate
from askwell.chat.wire import NDJSON, SSE, encode_in_task, ndjson_line, sse_frame, wants_sse
from askwell.deps import RateLimiterDep, RuntimeDep, SessionDep
from askwell.ratelimit import Limit

router = APIRouter(prefix="/chat", tags=["chat"])


@router.post(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}, SSE: {}}, "description": "One event per line (or SSE frame)."}},
)
async def chat_stream(
    _limit: ChatRateLimit,
    request: ChatRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    limiter: RateLimiterDep,
    user: OptionalUser,
    accept: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Stream the answer to a message as events: start, steps, sources, tokens, ..., done."""
    target = await service.load_target(
        session=session, assistant_id=request.assistant_id, session_id=request.session_id
    )
    assistant_service.ensure_can_chat(target.assistant, user)
    await limiter.hit(Limit.CHAT_ASSISTANT, str(target.assistant.id))  # a 429 before the stream starts
    model = runtime.models.get(target.assistant.model or runtime.settings.default_model)
    turn = await prepare_turn(
        session=session,
        kinds=runtime.kinds,
        memory=runtime.memory,
        request_message=request.message,
        target=target,
        user=user,
        session_id=request.session_id,
        language=request.language,
        history=[t.model_dump() for t in request.history] if request.history is not None else None,
        memory_turns=runtime.settings.memory_turns,
    )
    deps = runtime.flow_deps(model)
    sse = wants_sse(accept)
    body = encode_in_task(run_turn(turn, deps), sse_frame if sse else ndjson_line)
    return StreamingResponse(
        body,
        media_type=SSE if sse else NDJSON,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/sessions", response_model=list[SessionRead])
async def list_sessions(
    user: CurrentUser, session: SessionDep, assistant_id: Annotated[uuid.UUID | None, Query()] = None
) -> object:
    """The caller's chat sessions, most recent first."""
    return await service.list_user_sessions(session=session, user=user, assistant_id=assistant_id)


@router.get("/{session_id}/history", response_model=HistoryResponse)
async def chat_history(session_id: str, session: SessionDep, user: OptionalUser) -> HistoryResponse:
    """A session's messages, oldest first, with their sources, steps and data results."""
    chat = await service.get_readable_session(session=session, session_id=session_id, user=user)
    messages = await service.list_messages(session=session, session_id=chat.id)
    return HistoryResponse(messages=[format_message(m) for m in messages])


@router.delete("/{session_id}", response_model=ResetResponse)
async def reset_chat(
    session_id: str, session: SessionDep, runtime: RuntimeDep, user: OptionalUser
) -> ResetResponse:
    """Forget the conversation: history and memory are emptied."""
    chat = await service.get_readable_session(session=session, session_id=session_id, user=user)
    await service.reset(session=session, chat=chat, memory=runtime.memory)
    await session.commit()
    return ResetResponse()


@router.patch("/{session_id}", response_model=SessionRead)
async def rename_chat(
    session_id: str, session_in: SessionUpdate, session: SessionDep, user: OptionalUser
) -> object:
    """Rename a conversation (same access rule as its history)."""
    chat = await service.get_readable_session(session=session, session_id=session_id, user=user)
    chat = await service.rename(session=session, chat=chat, title=session_in.title)
    await session.commit()
    return chat
