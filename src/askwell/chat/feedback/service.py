"""Feedback on bot messages: storing it, the history with it, and the admin's filtered view.

Who may give it is the session's access rule (chat.service.get_readable_session): the
feedback on an answer is its conversation's owner's to give, change and withdraw.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from askwell.assistants.models import Assistant
from askwell.chat import service as chat_service
from askwell.chat.feedback.schemas import FeedbackItem, FeedbackRead, FeedbackUpdate, Rating
from askwell.chat.history import format_message
from askwell.chat.models import ChatMessage, ChatSession, MessageFeedback
from askwell.db import utcnow
from askwell.errors import Invalid, NotFound

_MESSAGE_NOT_FOUND = "Message not found in this session; feedback is given on the assistant's answers"


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    rating: Rating | None = None
    has_comment: bool | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Stored times are UTC (naive on SQLite, which compares them as text): a bound given
        # with another offset, or none, must be turned into UTC before it is compared.
        object.__setattr__(self, "since", _as_utc(self.since))
        object.__setattr__(self, "until", _as_utc(self.until))
        if self.since is not None and self.until is not None and self.since > self.until:
            raise Invalid("`since` is after `until`; swap them", code="invalid_date_range")


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def history(*, session: AsyncSession, chat: ChatSession) -> list[dict[str, Any]]:
    """The session's messages in the history's format, each bot message with its feedback (or null)."""
    messages = await chat_service.list_messages(session=session, session_id=chat.id)
    feedback = await for_session(session=session, session_id=chat.id)
    formatted = []
    for message in messages:
        item = format_message(message)
        if item["sender"] == "bot":
            entry = feedback.get(message.id)
            item["feedback"] = FeedbackRead.model_validate(entry).model_dump(mode="json") if entry else None
        formatted.append(item)
    return formatted


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
    result = await session.execute(delete(MessageFeedback).where(MessageFeedback.message_id == message_id))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("This message has no feedback", code="feedback_not_found")


async def for_session(*, session: AsyncSession, session_id: str) -> dict[uuid.UUID, MessageFeedback]:
    rows = await session.scalars(select(MessageFeedback).where(MessageFeedback.session_id == session_id))
    return {row.message_id: row for row in rows}


def _filtered(assistant_id: uuid.UUID, filters: FeedbackFilter) -> Select[MessageFeedback]:
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
