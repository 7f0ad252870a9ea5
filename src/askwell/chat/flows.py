"""One chat turn: prepare (bind, remember, plan), then store the question and run its stages.

Each knowledge kind of the assistant plans its part of the turn and adds its stages
(chat/stages); then the answer is persisted.
`run_turn` yields typed events; a failure becomes an `error` event, and whatever was
generated is stored even when the client goes away.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from askwell.background import shielded, spawn
from askwell.chat import service
from askwell.chat.memory import MemoryStore
from askwell.chat.passage_budget import PassageBudget
from askwell.chat.stages import stages_for
from askwell.connectors.kinds import KnowledgeKinds
from askwell.errors import AskwellError
from askwell.ops import metrics
from askwell.turn.events import ChatEvent, DoneEvent, ErrorEvent, StartEvent, Timings
from askwell.turn.state import Stage, Turn, TurnDeps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlowDeps(TurnDeps):
    """What a whole turn needs beyond its stages: the kinds that add stages, and the memory."""

    kinds: KnowledgeKinds
    memory: MemoryStore
    memory_turns: int
    passage_budget: PassageBudget | None = None  # for models with a small context window


def run_turn(turn: Turn, deps: FlowDeps, stages: Sequence[Stage] | None = None) -> AsyncIterator[ChatEvent]:
    """Start storing the question, and return the turn's events (start first, done last).

    The question is written by a task of its own, started here, before the response: it is
    stored even if the client goes away before the stream runs, and the `start` event does
    not wait for it.
    """
    question = spawn(_store_question(turn, deps))
    return _events(turn, deps, question, stages)


async def _events(
    turn: Turn, deps: FlowDeps, question: asyncio.Task[bool], stages: Sequence[Stage] | None
) -> AsyncIterator[ChatEvent]:
    """Yield the turn's events, start to done, and store the bot message in every case."""
    yield StartEvent(session_id=turn.session_id, message_id=turn.message_id, assistant_id=turn.assistant_id)
    error: ErrorEvent | None = None
    interrupted = False
    try:
        if not await asyncio.shield(question):
            error = ErrorEvent(
                code="storage_error",
                message="Your message could not be saved; please try again in a moment.",
            )
        else:
            kinds = [deps.kinds.get(name) for name in turn.plans]
            for stage in stages if stages is not None else stages_for(kinds, deps.passage_budget):
                async for event in stage.run(turn, deps):
                    yield event
    except asyncio.CancelledError:
        interrupted = True  # the client went away: keep what was generated, then stop
        raise
    except GeneratorExit:
        interrupted = True
        raise
    except AskwellError as exc:
        error = ErrorEvent(code=exc.code, message=exc.message)
    except Exception:
        logger.exception("Chat turn failed", extra={"session_id": turn.session_id})
        error = ErrorEvent(
            code="internal_error",
            message="Something went wrong while answering; the partial answer was kept.",
        )
    finally:
        failed_steps = _close_running_steps(turn)
        # Shielded: a disconnect arriving while we store must not lose the answer. The
        # answer follows its question, so it waits for the question's write to end.
        stored = await shielded(_persist_after(question, turn, deps, error=error, interrupted=interrupted))
        _record(turn, deps, error=error, interrupted=interrupted)
    for event in failed_steps:
        yield event
    if error is None and not stored:
        error = ErrorEvent(
            code="storage_error",
            message="The answer could not be saved; it will be missing from the history.",
        )
    if error is not None:
        yield error
    yield DoneEvent(
        message_id=turn.message_id,
        usage=turn.usage,
        timings=Timings(
            retrieval_ms=turn.retrieval_ms, first_token_ms=turn.first_token_ms, total_ms=turn.elapsed_ms()
        ),
    )


def _record(turn: Turn, deps: FlowDeps, *, error: ErrorEvent | None, interrupted: bool) -> None:
    """The turn's metrics and its one log line (under the request's id, see ops.logs)."""
    outcome = "interrupted" if interrupted else "error" if error is not None else "ok"
    total_ms = turn.elapsed_ms()
    metrics.observe_turn(
        model=deps.model.name,
        outcome=outcome,
        seconds=total_ms / 1000,
        first_token_s=turn.first_token_ms / 1000 if turn.first_token_ms is not None else None,
        prompt_tokens=turn.usage.prompt_tokens,
        completion_tokens=turn.usage.completion_tokens,
    )
    logger.info(
        "Chat turn ended %s after %.0f ms",
        outcome,
        total_ms,
        extra={
            "session_id": turn.session_id,
            "message_id": str(turn.message_id),
            "model": deps.model.name,
            "route": turn.route,
            "first_token_ms": turn.first_token_ms,
            "prompt_tokens": turn.usage.prompt_tokens,
            "completion_tokens": turn.usage.completion_tokens,
            "error_code": error.code if error is not None else None,
        },
    )


async def _store_question(turn: Turn, deps: FlowDeps) -> bool:
    """Store the user's message; `turn.version` becomes the session version after it."""
    try:
        async with deps.session_factory() as session:
            _, turn.version = await service.add_message(
                session=session, session_id=turn.session_id, role="user", content=turn.question
            )
            await session.commit()
    except Exception:
        logger.exception("Could not store the user message", extra={"session_id": turn.session_id})
        return False
    return True


async def _persist_after(
    question: asyncio.Task[bool], turn: Turn, deps: FlowDeps, *, error: ErrorEvent | None, interrupted: bool
) -> bool:
    """Store the answer once the question is stored; nothing when the question could not be."""
    if not await question:
        return False
    return await _persist(turn, deps, error=error, interrupted=interrupted)


def _close_running_steps(turn: Turn) -> list[ChatEvent]:
    return [turn.steps.finish(key, "error") for key in turn.steps.running()]


async def _persist(turn: Turn, deps: FlowDeps, *, error: ErrorEvent | None, interrupted: bool) -> bool:
    """Store the bot message (partial or whole) and refresh the memory snapshot."""
    text = "".join(turn.answer)
    metadata: dict[str, Any] = {
        "steps": turn.steps.record(),
        "usage": turn.usage.model_dump(),
        "timings": {
            "retrieval_ms": turn.retrieval_ms,
            "first_token_ms": turn.first_token_ms,
            "total_ms": turn.elapsed_ms(),
        },
        **turn.extra,
    }
    if turn.sources:
        metadata["sources"] = [s.model_dump(mode="json") for s in turn.sources]
    if error is not None:
        metadata["error"] = error.model_dump(exclude={"type"})
    if interrupted:
        metadata["interrupted"] = True
    try:
        async with deps.session_factory() as session:
            _, version = await service.add_message(
                session=session,
                session_id=turn.session_id,
                role="assistant",
                content=text,
                metadata=metadata,
                message_id=turn.message_id,
            )
            await session.commit()
    except Exception:
        logger.exception("Could not store the bot message", extra={"session_id": turn.session_id})
        return False
    if turn.memory_is_stored and version == turn.version + 1:
        turns = [
            *turn.memory,
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": text},
        ]
        await service.remember(
            memory=deps.memory,
            session_id=turn.session_id,
            version=version,
            turns=turns,
            keep=deps.memory_turns,
        )
    return True


async def prepare_turn(
    *,
    session: AsyncSession,
    kinds: KnowledgeKinds,
    memory: MemoryStore,
    request_message: str,
    target: service.ChatTarget,
    user: Any,
    session_id: str,
    language: str | None,
    history: list[dict[str, str]] | None,
    memory_turns: int,
    api_key_id: uuid.UUID | None = None,
) -> Turn:
    """The request phase: bind the session, read the memory, plan the turn, before the response.

    Runs before the response so that 404/409 are real HTTP statuses. It reads what it can
    from `target` (one SELECT, done by the caller) and writes only a new session's binding;
    the question is stored by `run_turn`, so the first event does not wait for that write.
    """
    started = time.perf_counter()
    assistant = target.assistant
    binding = await service.bind_session(
        session=session,
        target=target,
        session_id=session_id,
        user=user,
        title=request_message[:80],
        api_key_id=api_key_id,
    )
    if history is not None:
        context, stored = history[-memory_turns:] if memory_turns else [], False
    elif binding.version == 0:
        context, stored = [], True  # a new session remembers nothing: skip the lookup
    else:
        context = await service.load_memory(
            session=session, memory=memory, session_id=session_id, version=binding.version, turns=memory_turns
        )
        stored = True
    plans: dict[str, object] = {}
    for kind, connectors in kinds.of(target.connectors):
        plan = await kind.plan(session=session, assistant=assistant, connectors=connectors)
        if plan is not None:
            plans[kind.name] = plan
    await session.commit()  # ends the transaction: the stream must not hold a connection
    return Turn(
        plans=plans,
        session_id=session_id,
        assistant_id=assistant.id,
        question=request_message,
        system_prompt=assistant.system_prompt,
        language=language or assistant.language,
        memory=context,
        memory_is_stored=stored,
        version=binding.version,
        started=started,
    )
