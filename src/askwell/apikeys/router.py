"""Admin endpoints for API keys: issue, list, read, revoke, usage. Keys cannot call them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from askwell.apikeys import service
from askwell.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ApiKeyUsage
from askwell.auth.deps import AdminUser
from askwell.deps import SessionDep

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
async def create_key(key_in: ApiKeyCreate, admin: AdminUser, session: SessionDep) -> ApiKeyCreated:
    """Issue a key scoped to assistants and actions; its secret is in this response only."""
    created = await service.create(session=session, key_in=key_in, created_by=admin.id)
    await session.commit()
    return created


@router.get("", response_model=list[ApiKeyRead])
async def list_keys(_admin: AdminUser, session: SessionDep) -> list[ApiKeyRead]:
    """Every key, newest first, with its usage (never its secret)."""
    return [service.to_read(k) for k in await service.list_keys(session=session)]


@router.get("/{key_id}", response_model=ApiKeyRead)
async def read_key(key_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> ApiKeyRead:
    """One key."""
    return service.to_read(await service.get(session=session, key_id=key_id))


@router.post("/{key_id}/revoke", response_model=ApiKeyRead)
async def revoke_key(key_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> ApiKeyRead:
    """Revoke a key: its next request is refused (401)."""
    api_key = await service.revoke(session=session, api_key=await service.get(session=session, key_id=key_id))
    await session.commit()
    return service.to_read(api_key)


@router.get("/{key_id}/usage", response_model=ApiKeyUsage)
async def key_usage(key_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> ApiKeyUsage:
    """Requests and tokens a key has used, and when it was last used."""
    return service.usage_of(await service.get(session=session, key_id=key_id))
