"""Chat sessions and messages: binding, access rules, the durable record, and memory."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.chat.memory import MemorySnapshot, MemoryStore
from askwell.chat.models import ChatMessage, ChatSession
from askwell.db import utcnow
from askwell.errors import Conflict, NotFound

logger = logging.getLogger(__name__)

_NOT_FOUND = "Chat session not found"


async def bind_session(
    *, session: AsyncSession, session_id: str, assistant: Assistant, user: User | None, title: str
) -> ChatSession:
    """The chat session for a new message, created and bound on first use.

    Another user's session reads as unknown (404) so ids cannot be probed; a session of
    another assistant is a conflict (409).
    """
    chat = await session.get(ChatSession, session_id)
    if chat is None:
        chat = ChatSession(
            id=session_id,
            assistant_id=assistant.id,
            user_id=user.id if user else None,
            title=title[:200],
            version=0,
        )
        session.add(chat)
        try:
            await session.flush()
        except IntegrityError:
            # Two first messages raced for the same id: the other one bound it.
            await session.rollback()
            chat = await session.get(ChatSession, session_id)
            if chat is None:
                raise
    if chat.user_id != (user.id if user else None):
        raise NotFound(_NOT_FOUND, code="session_not_found")
    if chat.assistant_id != assistant.id:
        raise Conflict(
            "This session belongs to another assistant; start a new session_id",
            code="session_assistant_mismatch",
        )
    return chat


async def get_readable_session(*, session: AsyncSession, session_id: str, user: User | None) -> ChatSession:
    """A session the caller may read or reset: the owner or an admin; anyone for anonymous ones."""
    chat = await session.get(ChatSession, session_id)
    if chat is None:
        raise NotFound(_NOT_FOUND, code="session_not_found")
    if chat.user_id is not None and (user is None or (user.id != chat.user_id and not user.is_admin)):
        raise NotFound(_NOT_FOUND, code="session_not_found")
    return chat


async def list_user_sessions(
    *, session: AsyncSession, user: User, assistant_id: uuid.UUID | None
) -> list[ChatSession]:
    # A reset session has no messages: it is gone from the user's point of view.
    has_messages = select(ChatMessage.id).where(ChatMessage.session_id == ChatSession.id).exists()
    query = select(ChatSession).where(ChatSession.user_id == user.id, has_messages)
    if assistant_id is not None:
        query = query.where(ChatSession.assistant_id == assistant_id)
    return list(await session.scalars(query.order_by(ChatSession.updated_at.desc())))


async def list_messages(*, session: AsyncSession, session_id: str) -> list[ChatMessage]:
    query = select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.position)
    return list(await session.scalars(query))


async def add_message(
    *,
    session: AsyncSession,
    session_id: str,
    role: str,
    content: str,
    metadata: dict[str, Any] | None = None,
    message_id: uuid.UUID | None = None,
) -> tuple[ChatMessage, int]:
    """Store one message and bump the session version; returns the message and the new version."""
    version = await session.scalar(
        update(ChatSession)
        .where(ChatSession.id == session_id)
        .values(version=ChatSession.version + 1, updated_at=utcnow())
        .returning(ChatSession.version)
    )
    if version is None:
        raise NotFound(_NOT_FOUND, code="session_not_found")
    message = ChatMessage(
        id=message_id or uuid.uuid4(),
        session_id=session_id,
        position=version,
        role=role,
        content=content,
        metadata_=metadata or {},
    )
    session.add(message)
    await session.flush()
    return message, version


async def reset(*, session: AsyncSession, chat: ChatSession, memory: MemoryStore) -> None:
    """Empty the session's history and memory; the binding to assistant and user stays."""
    await session.execute(delete(ChatMessage).where(ChatMessage.session_id == chat.id))
    chat.version += 1  # invalidates any cached snapshot even if the cache is unreachable
    await session.flush()
    await memory.clear(chat.id)


async def load_memory(
    *, session: AsyncSession, memory: MemoryStore, chat: ChatSession, turns: int
) -> list[dict[str, str]]:
    """The last `turns` messages, from the cache when it matches the session version."""
    if turns == 0:
        return []
    snapshot = await memory.load(chat.id)
    if snapshot is not None and snapshot.version == chat.version:
        return snapshot.turns[-turns:]
    rows = await session.scalars(
        select(ChatMessage)
        .where(ChatMessage.session_id == chat.id)
        .order_by(ChatMessage.position.desc())
        .limit(turns)
    )
    recent = [{"role": m.role, "content": m.content} for m in reversed(list(rows))]
    await memory.save(chat.id, MemorySnapshot(version=chat.version, turns=recent))
    return recent


async def remember(
    *, memory: MemoryStore, session_id: str, version: int, turns: list[dict[str, str]], keep: int
) -> None:
    """Update the cached snapshot after a stored turn (best effort: the database is the truth)."""
    if keep == 0:
        return
    await memory.save(session_id, MemorySnapshot(version=version, turns=turns[-keep:]))


async def rename(*, session: AsyncSession, chat: ChatSession, title: str) -> ChatSession:
    chat.title = title
    await session.flush()
    return chat
