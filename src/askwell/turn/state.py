"""The state of one chat turn, what every stage may use, and the stage protocol.

The chat flow builds a Turn, then runs stages over it: its own (context, generate) and
those the assistant's knowledge kinds add (documents: retrieve; a database: understand,
route, the SQL route). Each kind keeps its part of the plan under its own name in
`Turn.plans`; only that kind's stages read it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.llm.base import ChatModel, GenerationOptions
from askwell.turn.events import ChatEvent, Source, UsageInfo
from askwell.turn.steps import StepTracker

P = TypeVar("P")

# The route of a turn that the generate stage answers (from the sources found, if any).
GENERATE = "documents"


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
    version: int  # session version: as read, then after the user's message was stored
    plans: dict[str, Any] = field(default_factory=dict)  # knowledge kind -> its plan for this turn
    route: str = GENERATE  # who answers: the generate stage, or a kind that takes the turn ("sql")
    refused: bool = False  # a request the assistant will not carry out: answered with a refusal
    started: float = field(default_factory=time.perf_counter)
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    steps: StepTracker = field(default_factory=StepTracker)
    searched: bool = False  # a stage looked for sources: the answer then reports them, even none
    sources: list[Source] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    usage: UsageInfo = field(default_factory=UsageInfo)
    retrieval_ms: float | None = None
    first_token_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # sql, table, visualization ...

    def plan(self, kind: str, of_type: type[P]) -> P | None:
        """The plan kind `kind` made for this turn, or None when the assistant has none of it."""
        plan = self.plans.get(kind)
        return plan if isinstance(plan, of_type) else None

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


@dataclass(frozen=True)
class TurnDeps:
    """What every stage may use: the database, the assistant's model and its options."""

    session_factory: async_sessionmaker[AsyncSession]
    model: ChatModel
    options: GenerationOptions


class Phase(IntEnum):
    """Where a kind's stages run in a turn: understand the question, gather sources, answer."""

    UNDERSTAND = 10
    GATHER = 20
    ANSWER = 30


class Stage(Protocol):
    """One step of a turn; it decides from the turn whether it has work to do."""

    def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]: ...
