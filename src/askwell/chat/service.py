"""Chat sessions and messages: binding, access rules, the durable record, and memory."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.apikeys.models import ApiKeySession
from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.chat.memory import MemorySnapshot, MemoryStore
from askwell.chat.models import ChatMessage, ChatSession
from askwell.connectors.models import Connector
from askwell.db import utcnow
from askwell.errors import Conflict, NotFound

logger = logging.getLogger(__name__)

_NOT_FOUND = "Chat session not found"

# The statements of the chat hot path, built once: Core where the ORM's unit of work
# would only add cost (rows written once, never read back in the same session).
_SESSIONS = cast(Table, ChatSession.__table__)
_MESSAGES = cast(Table, ChatMessage.__table__)
_INSERT_SESSION = insert(_SESSIONS)
_INSERT_MESSAGE = insert(_MESSAGES)
_KEY_SESSIONS = cast(Table, ApiKeySession.__table__)
_INSERT_KEY_SESSION = insert(_KEY_SESSIONS)
_BINDING_QUERY = (
    select(_SESSIONS.c.assistant_id, _SESSIONS.c.user_id, _KEY_SESSIONS.c.api_key_id, _SESSIONS.c.version)
    .select_from(_SESSIONS.outerjoin(_KEY_SESSIONS, _KEY_SESSIONS.c.session_id == _SESSIONS.c.id))
    .where(_SESSIONS.c.id == bindparam("session_id"))
)
_BUMP_VERSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("session_id"))
    .values(version=_SESSIONS.c.version + 1, updated_at=bindparam("now"))
    .returning(_SESSIONS.c.version)
)
_TARGET_QUERY = (
    select(
        Assistant,
        ChatSession.assistant_id.label("bound_assistant_id"),
        ChatSession.user_id.label("bound_user_id"),
        ApiKeySession.api_key_id.label("bound_key_id"),
        ChatSession.version,
        Connector,
    )
    .select_from(Assistant)
    .outerjoin(ChatSession, ChatSession.id == bindparam("session_id"))
    .outerjoin(ApiKeySession, ApiKeySession.session_id == ChatSession.id)
    .outerjoin(Connector, Connector.assistant_id == Assistant.id)
    .where(Assistant.id == bindparam("assistant_id"))
    .order_by(Connector.created_at)
)


@dataclass(frozen=True, slots=True)
class Binding:
    """Who a chat session belongs to, and its version (bumped by every stored message).

    The owner is a user, an API key, or nobody (an anonymous session); never both.
    """

    assistant_id: uuid.UUID
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    version: int


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """What a new message needs from the database, read in one statement."""

    assistant: Assistant
    binding: Binding | None  # None: the session id is new
    connectors: list[Connector]


async def load_target(*, session: AsyncSession, assistant_id: uuid.UUID, session_id: str) -> ChatTarget:
    """The assistant, the session's binding and the assistant's connectors, in one SELECT.

    A chat's request phase used to read these with four statements; this is the hot path
    of every message, so it is one outer join (one row per connector, at least one row).
    """
    rows = (
        await session.execute(_TARGET_QUERY, {"assistant_id": assistant_id, "session_id": session_id})
    ).all()
    if not rows:
        raise NotFound("Assistant not found", code="assistant_not_found")
    first = rows[0]
    binding = None
    if first.bound_assistant_id is not None:
        binding = Binding(
            assistant_id=first.bound_assistant_id,
            user_id=first.bound_user_id,
            api_key_id=first.bound_key_id,
            version=first.version,
        )
    connectors = [row.Connector for row in rows if row.Connector is not None]
    return ChatTarget(assistant=first.Assistant, binding=binding, connectors=connectors)


async def bind_session(
    *,
    session: AsyncSession,
    target: ChatTarget,
    session_id: str,
    user: User | None,
    title: str,
    api_key_id: uuid.UUID | None = None,
) -> Binding:
    """The binding of the session a new message goes to, created on first use.

    Another owner's session (another user's, a key's, or a user's for a key) reads as
    unknown (404) so ids cannot be probed; a session of another assistant is a conflict (409).
    """
    binding = target.binding
    user_id = user.id if user else None
    if binding is None:
        now = utcnow()
        try:
            await session.execute(
                _INSERT_SESSION,
                {
                    "id": session_id,
                    "assistant_id": target.assistant.id,
                    "user_id": user_id,
                    "title": title[:200],
                    "version": 0,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if api_key_id is not None:
                await session.execute(
                    _INSERT_KEY_SESSION, {"session_id": session_id, "api_key_id": api_key_id}
                )
            binding = Binding(
                assistant_id=target.assistant.id, user_id=user_id, api_key_id=api_key_id, version=0
            )
        except IntegrityError:
            # Two first messages raced for the same id: the other one bound it.
            await session.rollback()
            row = (await session.execute(_BINDING_QUERY, {"session_id": session_id})).one_or_none()
            if row is None:
                raise
            binding = Binding(
                assistant_id=row.assistant_id,
                user_id=row.user_id,
                api_key_id=row.api_key_id,
                version=row.version,
            )
    if (binding.user_id, binding.api_key_id) != (user_id, api_key_id):
        raise NotFound(_NOT_FOUND, code="session_not_found")
    if binding.assistant_id != target.assistant.id:
        raise Conflict(
            "This session belongs to another assistant; start a new session_id",
            code="session_assistant_mismatch",
        )
    return binding


async def get_readable_session(
    *, session: AsyncSession, session_id: str, user: User | None, api_key_id: uuid.UUID | None = None
) -> ChatSession:
    """A session the caller may read, rename or reset: its owner only (admins included: a
    conversation is private, as posting into it is); anyone for anonymous ones.

    A key's session is its key's alone (admins see a key's usage, not its conversations); a
    key reads no user's session.
    """
    chat = await session.get(ChatSession, session_id)
    if chat is None:
        raise NotFound(_NOT_FOUND, code="session_not_found")
    owner_key = await session.scalar(
        select(ApiKeySession.api_key_id).where(ApiKeySession.session_id == session_id)
    )
    if owner_key is not None:
        if owner_key != api_key_id:
            raise NotFound(_NOT_FOUND, code="session_not_found")
    elif chat.user_id is not None and (user is None or user.id != chat.user_id):
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
) -> tuple[uuid.UUID, int]:
    """Store one message and bump the session version; returns the message id and the new version.

    Two Core statements (no unit of work, no identity map): the message is written once
    and never read back in this session.
    """
    now = utcnow()
    version = await session.scalar(_BUMP_VERSION, {"session_id": session_id, "now": now})
    if version is None:
        raise NotFound(_NOT_FOUND, code="session_not_found")
    message_id = message_id or uuid.uuid4()
    await session.execute(
        _INSERT_MESSAGE,
        {
            "id": message_id,
            "session_id": session_id,
            "position": version,
            "role": role,
            "content": content,
            "metadata": metadata or {},
            "created_at": now,
        },
    )
    return message_id, version


async def reset(*, session: AsyncSession, chat: ChatSession, memory: MemoryStore) -> None:
    """Empty the session's history and memory; the binding to assistant and user stays."""
    await session.execute(delete(ChatMessage).where(ChatMessage.session_id == chat.id))
    chat.version += 1  # invalidates any cached snapshot even if the cache is unreachable
    await session.flush()
    await memory.clear(chat.id)


async def load_memory(
    *, session: AsyncSession, memory: MemoryStore, session_id: str, version: int, turns: int
) -> list[dict[str, str]]:
    """The last `turns` messages, from the cache when it matches the session version."""
    if turns == 0:
        return []
    snapshot = await memory.load(session_id)
    if snapshot is not None and snapshot.version == version:
        return snapshot.turns[-turns:]
    rows = await session.execute(
        select(ChatMessage.role, ChatMessage.content)
        .where(ChatMessage.session_id == session_id)
        .order_by(ChatMessage.position.desc())
        .limit(turns)
    )
    recent = [{"role": role, "content": content} for role, content in reversed(rows.all())]
    await memory.save(session_id, MemorySnapshot(version=version, turns=recent))
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
