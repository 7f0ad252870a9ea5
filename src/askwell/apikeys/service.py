"""API keys: issue, list, revoke, authenticate a request, count what a key used."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.apikeys import secrets
from askwell.apikeys.models import ApiKey
from askwell.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeyUsage
from askwell.assistants.models import Assistant
from askwell.db import utcnow
from askwell.errors import Invalid, NotFound, Unauthorized


@dataclass(frozen=True, slots=True)
class KeyPrincipal:
    """The authenticated key of a request: what it may do, read once per request."""

    id: uuid.UUID
    name: str
    assistant_ids: frozenset[uuid.UUID]
    actions: frozenset[str]
    kind: str = "server"
    allowed_origins: frozenset[str] = frozenset()

    @property
    def is_widget(self) -> bool:
        return self.kind == "widget"


async def create(*, session: AsyncSession, key_in: ApiKeyCreate, created_by: uuid.UUID) -> ApiKeyCreated:
    """Issue a key; the returned `key` is the only time its secret is seen."""
    if key_in.expires_at is not None and key_in.expires_at <= utcnow():
        raise Invalid("expires_at is in the past: give a future instant, or none", code="invalid_expiry")
    wanted = set(key_in.assistant_ids)
    found = set(await session.scalars(select(Assistant.id).where(Assistant.id.in_(wanted))))
    if missing := wanted - found:
        raise Invalid(
            f"Unknown assistant(s): {', '.join(sorted(map(str, missing)))}", code="unknown_assistant"
        )
    new = secrets.generate()
    api_key = ApiKey(
        name=key_in.name,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        assistant_ids=sorted({str(a) for a in key_in.assistant_ids}),
        actions=sorted({a.value for a in key_in.actions}),
        kind=key_in.kind.value,
        allowed_origins=key_in.allowed_origins or None,
        created_by=created_by,
        expires_at=key_in.expires_at,
        request_count=0,
        prompt_tokens=0,
        completion_tokens=0,
    )
    session.add(api_key)
    await session.flush()
    return ApiKeyCreated(**to_read(api_key).model_dump(), key=new.key)


def to_read(api_key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=api_key.id,
        name=api_key.name,
        prefix=api_key.prefix,
        assistant_ids=[uuid.UUID(a) for a in api_key.assistant_ids],
        actions=api_key.actions,  # type: ignore[arg-type]  # validated into KeyAction
        expires_at=api_key.expires_at,
        kind=api_key.kind,  # type: ignore[arg-type]  # validated into KeyKind
        allowed_origins=api_key.allowed_origins or [],
        created_at=api_key.created_at,
        revoked_at=api_key.revoked_at,
        usage=usage_of(api_key),
    )


def usage_of(api_key: ApiKey) -> ApiKeyUsage:
    return ApiKeyUsage(
        requests=api_key.request_count,
        prompt_tokens=api_key.prompt_tokens,
        completion_tokens=api_key.completion_tokens,
        last_used_at=api_key.last_used_at,
    )


async def list_keys(*, session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


async def get(*, session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    api_key = await session.get(ApiKey, key_id)
    if api_key is None:
        raise NotFound("API key not found", code="api_key_not_found")
    return api_key


async def revoke(*, session: AsyncSession, api_key: ApiKey) -> ApiKey:
    """Refuse the key from now on (every request reads the key again: no cache to wait for)."""
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        await session.flush()
    return api_key


async def authenticate(*, session: AsyncSession, key: str) -> KeyPrincipal:
    """The key a request presents, counted as one request; 401 when it is not valid now.

    Raises:
        Unauthorized: malformed, unknown, wrong secret, revoked or expired.
    """
    parts = secrets.split(key)
    api_key = None
    if parts is not None:
        api_key = await session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    if parts is None or api_key is None or not secrets.matches(parts[1], api_key.secret_hash):
        raise Unauthorized("Invalid API key", code="invalid_api_key")
    now = utcnow()
    if api_key.revoked_at is not None:
        raise Unauthorized("This API key has been revoked", code="api_key_revoked")
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise Unauthorized("This API key has expired; ask an admin for a new one", code="api_key_expired")
    await session.execute(
        update(ApiKey)
        .where(ApiKey.id == api_key.id)
        .values(request_count=ApiKey.request_count + 1, last_used_at=now)
    )
    await session.commit()  # the count is the request's own unit of work: it holds even if the rest fails
    return KeyPrincipal(
        id=api_key.id,
        name=api_key.name,
        assistant_ids=frozenset(uuid.UUID(a) for a in api_key.assistant_ids),
        actions=frozenset(api_key.actions),
        kind=api_key.kind,
        allowed_origins=frozenset(api_key.allowed_origins or ()),
    )


async def count_tokens(
    *, session_factory: async_sessionmaker[AsyncSession], key_id: uuid.UUID, prompt: int, completion: int
) -> None:
    """Add a turn's tokens to the key's counters (one UPDATE, after the turn)."""
    if not (prompt or completion):
        return
    async with session_factory() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .values(
                prompt_tokens=ApiKey.prompt_tokens + prompt,
                completion_tokens=ApiKey.completion_tokens + completion,
            )
        )
        await session.commit()


async def origin_has_widget(*, session: AsyncSession, origin: str) -> bool:
    """Whether a widget key that is valid now lists this origin: the one thing a CORS
    preflight (which carries no key) can be answered on."""
    now = utcnow()
    lists = await session.scalars(
        select(ApiKey.allowed_origins).where(
            ApiKey.kind == "widget",
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )
    )
    # Compared in Python: JSON containment differs between SQLite and PostgreSQL, and there
    # are as many rows as an admin has made widget keys.
    wanted = origin.lower()
    return any(wanted in (origins or ()) for origins in lists)
