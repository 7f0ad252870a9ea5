"""The chat endpoints: stream a turn, read a session's history, reset it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from askwell.apikeys.caller import Caller
from askwell.apikeys.deps import CallerDep, ChatRateLimit
from askwell.apikeys.schemas import KeyAction
from askwell.auth.deps import CurrentUser
from askwell.chat import service
from askwell.chat.feedback import service as feedback_service
from askwell.chat.models import ChatSession
from askwell.chat.schemas import ChatRequest, HistoryResponse, ResetResponse, SessionRead, SessionUpdate
from askwell.chat.start import start_turn
from askwell.chat.wire import NDJSON, SSE, encode_in_task, ndjson_line, sse_frame, wants_sse
from askwell.deps import RateLimiterDep, RuntimeDep, SessionDep

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
    caller: CallerDep,
    accept: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Stream the answer to a message as events: start, steps, sources, tokens, ..., done."""
    events = await start_turn(
        session=session,
        runtime=runtime,
        limiter=limiter,
        caller=caller,
        assistant_id=request.assistant_id,
        session_id=request.session_id,
        message=request.message,
        language=request.language,
        history=[t.model_dump() for t in request.history] if request.history is not None else None,
    )
    sse = wants_sse(accept)
    body = encode_in_task(events, sse_frame if sse else ndjson_line)
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
async def chat_history(session_id: str, session: SessionDep, caller: CallerDep) -> HistoryResponse:
    """A session's messages, oldest first, with their sources, steps and data results."""
    chat = await _readable(session, session_id, caller)
    return HistoryResponse(messages=await feedback_service.history(session=session, chat=chat))


@router.delete("/{session_id}", response_model=ResetResponse)
async def reset_chat(
    session_id: str, session: SessionDep, runtime: RuntimeDep, caller: CallerDep
) -> ResetResponse:
    """Forget the conversation: history and memory are emptied."""
    chat = await _readable(session, session_id, caller)
    await service.reset(session=session, chat=chat, memory=runtime.memory)
    await session.commit()
    return ResetResponse()


@router.patch("/{session_id}", response_model=SessionRead)
async def rename_chat(
    session_id: str, session_in: SessionUpdate, session: SessionDep, caller: CallerDep
) -> object:
    """Rename a conversation (same access rule as its history)."""
    chat = await _readable(session, session_id, caller)
    chat = await service.rename(session=session, chat=chat, title=session_in.title)
    await session.commit()
    return chat


async def _readable(session: SessionDep, session_id: str, caller: Caller) -> ChatSession:
    """The session if the caller may use it; a key needs the chat action for any of this."""
    caller.ensure_action(KeyAction.CHAT)
    return await service.get_readable_session(
        session=session, session_id=session_id, user=caller.user, api_key_id=caller.key_id
    )
