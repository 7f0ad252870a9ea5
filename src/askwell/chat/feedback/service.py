"""Feedback on bot messages: who may give it, storing it, and the admin's filtered view."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from askwell.apikeys.models import ApiKeySession
from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.chat.feedback.schemas import FeedbackItem, FeedbackUpdate, Rating
from askwell.chat.models import ChatMessage, ChatSession, MessageFeedback
from askwell.db import utcnow
from askwell.errors import Invalid, NotFound

_SESSION_NOT_FOUND = "Chat session not found"
_MESSAGE_NOT_FOUND = "Message not found in this session; feedback is given on the assistant's answers"


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    rating: Rating | None = None
    has_comment: bool | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise Invalid("`since` is after `until`; swap them", code="invalid_date_range")


async def get_owned_session(
    *, session: AsyncSession, session_id: str, user: User | None, api_key_id: uuid.UUID | None
) -> ChatSession:
    """The session if the caller owns it, by the rule that lets a caller post to it.

    Stricter than reading: an admin reads a member's history but does not rate its answers
    for them; feedback is its author's. Anyone else gets 404, so ids cannot be probed.
    """
    chat = await session.get(ChatSession, session_id)
    owner_key = await session.scalar(
        select(ApiKeySession.api_key_id).where(ApiKeySession.session_id == session_id)
    )
    user_id = user.id if user else None
    if chat is None or (chat.user_id, owner_key) != (user_id, api_key_id):
        raise NotFound(_SESSION_NOT_FOUND, code="session_not_found")
    return chat


async def _bot_message(*, session: AsyncSession, chat: ChatSession, message_id: uuid.UUID) -> ChatMessage:
    message = await session.get(ChatMessage, message_id)
    if message is None or message.session_id != chat.id or message.role == "user":
        raise NotFound(_MESSAGE_NOT_FOUND, code="message_not_found")
    return message


async def put(
    *, session: AsyncSession, chat: ChatSession, message_id: uuid.UUID, feedback_in: FeedbackUpdate
) -> MessageFeedback:
    """Create or replace the feedback on one bot message of the session."""
    await _bot_message(session=session, chat=chat, message_id=message_id)
    feedback = await session.get(MessageFeedback, message_id)
    now = utcnow()
    if feedback is None:
        feedback = MessageFeedback(
            message_id=message_id, session_id=chat.id, assistant_id=chat.assistant_id, created_at=now
        )
        session.add(feedback)
    feedback.rating = feedback_in.rating.value
    feedback.comment = feedback_in.comment.strip()
    feedback.updated_at = now
    await session.flush()
    return feedback


async def remove(*, session: AsyncSession, chat: ChatSession, message_id: uuid.UUID) -> None:
    """Withdraw the feedback on a message; withdrawing none is a 404 too (nothing to undo)."""
    await _bot_message(session=session, chat=chat, message_id=message_id)
    result = await session.execute(
        delete(MessageFeedback).where(MessageFeedback.message_id == message_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("This message has no feedback", code="feedback_not_found")


async def for_session(*, session: AsyncSession, session_id: str) -> dict[uuid.UUID, MessageFeedback]:
    rows = await session.scalars(select(MessageFeedback).where(MessageFeedback.session_id == session_id))
    return {row.message_id: row for row in rows}


def _filtered(assistant_id: uuid.UUID, filters: FeedbackFilter) -> Select[tuple[MessageFeedback]]:
    query = select(MessageFeedback).where(MessageFeedback.assistant_id == assistant_id)
    if filters.rating is not None:
        query = query.where(MessageFeedback.rating == filters.rating.value)
    if filters.has_comment is True:
        query = query.where(MessageFeedback.comment != "")
    elif filters.has_comment is False:
        query = query.where(MessageFeedback.comment == "")
    if filters.since is not None:
        query = query.where(MessageFeedback.updated_at >= filters.since)
    if filters.until is not None:
        query = query.where(MessageFeedback.updated_at <= filters.until)
    return query


async def ensure_assistant(*, session: AsyncSession, assistant_id: uuid.UUID) -> None:
    if await session.get(Assistant, assistant_id) is None:
        raise NotFound("Assistant not found", code="assistant_not_found")


async def count(*, session: AsyncSession, assistant_id: uuid.UUID, filters: FeedbackFilter) -> int:
    inner = _filtered(assistant_id, filters).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def page(
    *, session: AsyncSession, assistant_id: uuid.UUID, filters: FeedbackFilter, limit: int, offset: int
) -> list[FeedbackItem]:
    """Newest first, each with its answer and the user's message just before it."""
    answer = aliased(ChatMessage)
    question = aliased(ChatMessage)
    feedback = _filtered(assistant_id, filters).subquery()
    rated = aliased(MessageFeedback, feedback)
    query = (
        select(rated, answer.content, question.content)
        .join(answer, answer.id == rated.message_id)
        .outerjoin(
            question,
            and_(
                question.session_id == answer.session_id,
                question.position == answer.position - 1,
                question.role == "user",
            ),
        )
        .order_by(rated.updated_at.desc(), rated.message_id)
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(query)).all()
    return [
        FeedbackItem(
            message_id=row[0].message_id,
            session_id=row[0].session_id,
            assistant_id=row[0].assistant_id,
            rating=Rating(row[0].rating),
            comment=row[0].comment,
            created_at=row[0].created_at,
            updated_at=row[0].updated_at,
            answer=row[1],
            question=row[2] or "",
        )
        for row in rows
    ]
