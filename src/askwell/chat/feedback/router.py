"""Feedback endpoints: rate a bot message, the admin's view and exports, a conversation export."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from askwell.apikeys.caller import Caller
from askwell.apikeys.deps import CallerDep
from askwell.apikeys.schemas import KeyAction
from askwell.auth.deps import AdminUser
from askwell.chat import service as chat_service
from askwell.chat.feedback import export, service
from askwell.chat.feedback.schemas import (
    ConversationExportFormat,
    FeedbackExportFormat,
    FeedbackPage,
    FeedbackRead,
    FeedbackUpdate,
    Rating,
)
from askwell.chat.models import ChatSession
from askwell.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["feedback"])

_MEDIA = {FeedbackExportFormat.JSONL: "application/x-ndjson", FeedbackExportFormat.CSV: "text/csv"}


@router.put("/chat/{session_id}/messages/{message_id}/feedback", response_model=FeedbackRead)
async def put_feedback(
    session_id: str,
    message_id: uuid.UUID,
    feedback_in: FeedbackUpdate,
    session: SessionDep,
    caller: CallerDep,
) -> object:
    """Rate a bot message up or down, with an optional comment (replaces earlier feedback)."""
    chat = await _owned(session, session_id, caller)
    feedback = await service.put(session=session, chat=chat, message_id=message_id, feedback_in=feedback_in)
    await session.commit()
    return feedback


@router.delete("/chat/{session_id}/messages/{message_id}/feedback", status_code=204)
async def delete_feedback(
    session_id: str, message_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> Response:
    """Withdraw the feedback on a bot message."""
    chat = await _owned(session, session_id, caller)
    await service.remove(session=session, chat=chat, message_id=message_id)
    await session.commit()
    return Response(status_code=204)


@router.get("/chat/{session_id}/export", response_class=Response)
async def export_conversation(
    session_id: str,
    session: SessionDep,
    caller: CallerDep,
    format: Annotated[ConversationExportFormat, Query()] = ConversationExportFormat.MARKDOWN,
) -> Response:
    """Download a conversation as Markdown or JSON, with sources, SQL and feedback."""
    chat = await _owned(session, session_id, caller)
    messages = await service.history(session=session, chat=chat)
    if format is ConversationExportFormat.JSON:
        body = json.dumps(export.conversation_json(chat, messages), ensure_ascii=False, indent=2)
        media, suffix = "application/json", "json"
    else:
        body = export.conversation_markdown(chat, messages)
        media, suffix = "text/markdown; charset=utf-8", "md"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="conversation-{chat.id}.{suffix}"'},
    )


@router.get("/assistants/{assistant_id}/feedback", response_model=FeedbackPage)
async def list_feedback(
    assistant_id: uuid.UUID,
    _admin: AdminUser,
    session: SessionDep,
    rating: Rating | None = None,
    has_comment: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FeedbackPage:
    """An assistant's rated answers, newest first, filtered and paginated (admins)."""
    await service.ensure_assistant(session=session, assistant_id=assistant_id)
    filters = service.FeedbackFilter(rating=rating, has_comment=has_comment, since=since, until=until)
    total = await service.count(session=session, assistant_id=assistant_id, filters=filters)
    items = await service.page(
        session=session, assistant_id=assistant_id, filters=filters, limit=limit, offset=offset
    )
    return FeedbackPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/assistants/{assistant_id}/feedback/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
async def export_feedback(
    assistant_id: uuid.UUID,
    _admin: AdminUser,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Annotated[FeedbackExportFormat, Query()] = FeedbackExportFormat.JSONL,
    rating: Rating | None = None,
    has_comment: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Stream an assistant's filtered feedback as JSON lines or CSV (admins)."""
    await service.ensure_assistant(session=session, assistant_id=assistant_id)
    filters = service.FeedbackFilter(rating=rating, has_comment=has_comment, since=since, until=until)
    # The body streams on sessions of its own: give this one's connection back first (SQLite
    # has a pool of one, and the stream would wait for it).
    await session.close()
    body = export.stream_feedback(
        session_factory=runtime.session_factory, assistant_id=assistant_id, filters=filters, fmt=format
    )
    suffix = "jsonl" if format is FeedbackExportFormat.JSONL else "csv"
    return StreamingResponse(
        body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="feedback-{assistant_id}.{suffix}"'},
    )


async def _owned(session: SessionDep, session_id: str, caller: Caller) -> ChatSession:
    """The session if the caller may use it (its owner; a key needs the chat action)."""
    caller.ensure_action(KeyAction.CHAT)
    return await chat_service.get_readable_session(
        session=session, session_id=session_id, user=caller.user, api_key_id=caller.key_id
    )
