"""One chat turn as small stages: build context -> [retrieve] -> generate -> persist.

The request phase (service.open_turn) has already bound the session, read the memory and
stored the user's message. `run_turn` yields typed events; a failure becomes an `error`
event, and whatever was generated is stored even when the client goes away.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.background import shielded
from askwell.chat import service
from askwell.chat.events import (
    ChatEvent,
    DoneEvent,
    ErrorEvent,
    Source,
    StartEvent,
    Timings,
    TokenEvent,
    UsageInfo,
)
from askwell.chat.memory import MemoryStore
from askwell.chat.prompting import Budget, build_prompt
from askwell.chat.steps import StepTracker
from askwell.errors import AskwellError
from askwell.llm.base import ChatModel, GenerationOptions

logger = logging.getLogger(__name__)


@dataclass
class Turn:
    """Everything one turn knows and produces; stages read and fill it."""

    session_id: str
    assistant_id: uuid.UUID
    question: str
    system_prompt: str
    language: str | None
    memory: list[dict[str, str]]
    memory_is_stored: bool  # False when the client sent its own `history`
    version: int  # session version after the user's message was stored
    started: float = field(default_factory=time.perf_counter)
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    steps: StepTracker = field(default_factory=StepTracker)
    sources: list[Source] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    usage: UsageInfo = field(default_factory=UsageInfo)
    retrieval_ms: float | None = None
    first_token_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # sql, table, visualization ...

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


@dataclass(frozen=True)
class FlowDeps:
    session_factory: async_sessionmaker[AsyncSession]
    memory: MemoryStore
    model: ChatModel
    options: GenerationOptions
    memory_turns: int


class Stage(Protocol):
    """One step of a turn; later features (retrieval, SQL) add stages, not HTTP code."""

    def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]: ...


class ContextStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        yield turn.steps.start("context", "Loading conversation")
        source = "stored memory" if turn.memory_is_stored else "history sent by the client"
        yield turn.steps.finish("context", turns=len(turn.memory), memory=source)


class GenerateStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        yield turn.steps.start("generate", "Generating answer", model=deps.model.name)
        budget = None
        if deps.model.context_window:
            budget = Budget(deps.model.context_window, deps.options.max_tokens, deps.model.count_tokens)
        prompt = build_prompt(
            system_prompt=turn.system_prompt,
            question=turn.question,
            memory=turn.memory,
            sources=turn.sources,
            language=turn.language,
            budget=budget,
        )
        async for chunk in deps.model.stream(prompt.messages, deps.options):
            if chunk.text:
                if turn.first_token_ms is None:
                    turn.first_token_ms = turn.elapsed_ms()
                turn.answer.append(chunk.text)
                yield TokenEvent(content=chunk.text)
            if chunk.usage is not None:
                turn.usage = UsageInfo(
                    prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens
                )
        yield turn.steps.finish(
            "generate",
            completion_tokens=turn.usage.completion_tokens,
            memory_used=prompt.memory_used,
            passages_used=prompt.passages_used,
        )


DEFAULT_STAGES: Sequence[Stage] = (ContextStage(), GenerateStage())


async def run_turn(
    turn: Turn, deps: FlowDeps, stages: Sequence[Stage] = DEFAULT_STAGES
) -> AsyncIterator[ChatEvent]:
    """Yield the turn's events, start to done, and store the bot message in every case."""
    yield StartEvent(session_id=turn.session_id, message_id=turn.message_id, assistant_id=turn.assistant_id)
    error: ErrorEvent | None = None
    interrupted = False
    try:
        for stage in stages:
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
        # Shielded: a disconnect arriving while we store must not lose the answer.
        stored = await shielded(_persist(turn, deps, error=error, interrupted=interrupted))
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
    memory: MemoryStore,
    request_message: str,
    assistant: Any,
    user: Any,
    session_id: str,
    language: str | None,
    history: list[dict[str, str]] | None,
    memory_turns: int,
) -> Turn:
    """The request phase: bind the session, read the memory, store the user's message.

    Runs before the response starts so that 404/409 are real HTTP statuses, and commits
    once (the unit of work) so the stream itself only has to store the answer.
    """
    started = time.perf_counter()
    chat = await service.bind_session(
        session=session, session_id=session_id, assistant=assistant, user=user, title=request_message[:80]
    )
    if history is not None:
        context, stored = history[-memory_turns:] if memory_turns else [], False
    elif chat.version == 0:
        context, stored = [], True  # a new session remembers nothing: skip the lookup
    else:
        context = await service.load_memory(session=session, memory=memory, chat=chat, turns=memory_turns)
        stored = True
    _, version = await service.add_message(
        session=session, session_id=session_id, role="user", content=request_message
    )
    await session.commit()
    return Turn(
        session_id=session_id,
        assistant_id=assistant.id,
        question=request_message,
        system_prompt=assistant.system_prompt,
        language=language or assistant.language,
        memory=context,
        memory_is_stored=stored,
        version=version,
        started=started,
    )
