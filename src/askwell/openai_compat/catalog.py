"""Assistants as OpenAI "models": the ones a caller may use, by UUID or readable slug."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.apikeys.caller import Caller
from askwell.apikeys.schemas import KeyAction
from askwell.assistants import service as assistant_service
from askwell.assistants.models import Assistant
from askwell.errors import Conflict, NotFound
from askwell.openai_compat.schemas import OpenAIModel

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_of(assistant: Assistant) -> str:
    return _NOT_SLUG.sub("-", assistant.name.lower()).strip("-") or str(assistant.id)


def card_of(assistant: Assistant) -> OpenAIModel:
    return OpenAIModel(
        id=slug_of(assistant),
        created=int(assistant.created_at.timestamp()),
        askwell={
            "assistant_id": str(assistant.id),
            "name": assistant.name,
            "description": assistant.description,
        },
    )


async def usable(*, session: AsyncSession, caller: Caller) -> list[Assistant]:
    """A key's assistants (it must hold `chat`); every assistant a signed-in user may chat with."""
    caller.ensure_action(KeyAction.CHAT)
    if caller.key is not None:
        query = select(Assistant).where(Assistant.id.in_(caller.key.assistant_ids)).order_by(Assistant.name)
        return list(await session.scalars(query))
    return await assistant_service.list_assistants(
        session=session, include_login_only=caller.user is not None
    )


async def resolve(*, session: AsyncSession, caller: Caller, model: str) -> Assistant:
    """The assistant `model` names (its UUID or its slug), among those the caller may use."""
    assistants = await usable(session=session, caller=caller)
    try:
        wanted = uuid.UUID(model)
    except ValueError:
        matches = [a for a in assistants if slug_of(a) == model.strip().lower()]
    else:
        matches = [a for a in assistants if a.id == wanted]
    if not matches:
        raise NotFound(
            f"The model '{model}' does not exist or you do not have access to it; GET /v1/models lists yours",
            code="model_not_found",
        )
    if len(matches) > 1:
        raise Conflict(
            f"Several assistants have the slug '{model}'; use the id instead", code="ambiguous_model"
        )
    return matches[0]
