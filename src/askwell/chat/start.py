"""The request phase of a turn for any caller and any wire format: check, bind, plan.

Shared by the native stream (chat.router) and the OpenAI-compatible API, so both apply
the same rules before the first byte: the key's scope, the assistant's login rule, the
per-assistant rate limit, the session's owner. The events it returns are the native
turn's; each edge only encodes them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.apikeys import service as apikey_service
from askwell.apikeys.caller import Caller
from askwell.apikeys.schemas import KeyAction
from askwell.background import shielded
from askwell.chat import service
from askwell.chat.flows import prepare_turn, run_turn
from askwell.ratelimit import Limit, RateLimiter
from askwell.turn.events import ChatEvent
from askwell.turn.state import Turn

if TYPE_CHECKING:
    from askwell.runtime import Runtime


async def start_turn(
    *,
    session: AsyncSession,
    runtime: Runtime,
    limiter: RateLimiter,
    caller: Caller,
    assistant_id: uuid.UUID,
    session_id: str,
    message: str,
    language: str | None,
    history: list[dict[str, str]] | None,
) -> AsyncIterator[ChatEvent]:
    """Everything that can still be an HTTP status (401/403/404/409/429), then the events."""
    caller.ensure_scope(assistant_id, KeyAction.CHAT)
    target = await service.load_target(session=session, assistant_id=assistant_id, session_id=session_id)
    caller.ensure_can_use(target.assistant)
    await limiter.hit(Limit.CHAT_ASSISTANT, str(target.assistant.id))  # a 429 before the stream starts
    model = runtime.models.get(target.assistant.model or runtime.settings.default_model)
    turn = await prepare_turn(
        session=session,
        kinds=runtime.kinds,
        memory=runtime.memory,
        request_message=message,
        target=target,
        user=caller.user,
        api_key_id=caller.key_id,
        session_id=session_id,
        language=language,
        history=history,
        memory_turns=runtime.settings.memory_turns,
    )
    events = run_turn(turn, runtime.flow_deps(model))
    if caller.key is None:
        return events
    return _counted(events, turn, runtime.session_factory, caller.key.id)


async def _counted(
    events: AsyncIterator[ChatEvent],
    turn: Turn,
    session_factory: async_sessionmaker[AsyncSession],
    key_id: uuid.UUID,
) -> AsyncIterator[ChatEvent]:
    """The events, then the turn's tokens added to its key's usage (also when cut short)."""
    try:
        async for event in events:
            yield event
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()  # the turn stores its (partial) answer before its tokens are read
        await shielded(
            apikey_service.count_tokens(
                session_factory=session_factory,
                key_id=key_id,
                prompt=turn.usage.prompt_tokens,
                completion=turn.usage.completion_tokens,
            )
        )
