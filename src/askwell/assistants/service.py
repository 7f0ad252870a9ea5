"""Assistant CRUD and the rule of who may chat with which assistant."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.assistants.schemas import AssistantCreate, AssistantUpdate
from askwell.auth.models import User
from askwell.errors import Conflict, NotFound, Unauthorized
from askwell.llm.registry import check_model_name

# Fields where PATCH null means "unchanged"; `model` and `language` may be reset to null.
_NOT_NULLABLE = ("name", "description", "system_prompt", "retrieval", "user_authentication")


async def get(*, session: AsyncSession, assistant_id: uuid.UUID) -> Assistant:
    assistant = await session.get(Assistant, assistant_id)
    if assistant is None:
        raise NotFound("Assistant not found", code="assistant_not_found")
    return assistant


async def get_by_name(*, session: AsyncSession, name: str) -> Assistant | None:
    return await session.scalar(select(Assistant).where(Assistant.name == name))


def ensure_can_chat(assistant: Assistant, user: User | None) -> None:
    """Raise 401 when the assistant is for logged-in users and there is none."""
    if assistant.user_authentication and user is None:
        raise Unauthorized("Authentication required for this assistant", code="auth_required")


async def get_for_chat(*, session: AsyncSession, assistant_id: uuid.UUID, user: User | None) -> Assistant:
    assistant = await get(session=session, assistant_id=assistant_id)
    ensure_can_chat(assistant, user)
    return assistant


async def list_assistants(*, session: AsyncSession, include_login_only: bool) -> list[Assistant]:
    """Assistants by name; those for logged-in users only when `include_login_only`."""
    query = select(Assistant).order_by(Assistant.name)
    if not include_login_only:
        query = query.where(Assistant.user_authentication.is_(False))
    return list(await session.scalars(query))


async def create(*, session: AsyncSession, assistant_in: AssistantCreate) -> Assistant:
    await _ensure_name_free(session=session, name=assistant_in.name)
    if assistant_in.model:
        check_model_name(assistant_in.model)
    assistant = Assistant(**assistant_in.model_dump(mode="json"))
    session.add(assistant)
    await session.flush()
    return assistant


async def update(*, session: AsyncSession, assistant: Assistant, assistant_in: AssistantUpdate) -> Assistant:
    changes = assistant_in.model_dump(mode="json", exclude_unset=True)
    if changes.get("name") and changes["name"] != assistant.name:
        await _ensure_name_free(session=session, name=changes["name"])
    if changes.get("model"):
        check_model_name(changes["model"])
    for field, value in changes.items():
        if field in _NOT_NULLABLE and value is None:
            continue  # null means "unchanged" for fields that cannot be empty
        setattr(assistant, field, value)
    await session.flush()
    return assistant


async def delete(*, session: AsyncSession, assistant: Assistant) -> None:
    await session.delete(assistant)
    await session.flush()


async def _ensure_name_free(*, session: AsyncSession, name: str) -> None:
    if await get_by_name(session=session, name=name):
        raise Conflict(f"An assistant named {name!r} already exists", code="assistant_name_taken")
