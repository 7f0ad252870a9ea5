"""The state of one chat turn, what its stages depend on, and the stage protocol."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.chat.events import ChatEvent, Source, UsageInfo
from askwell.chat.memory import MemoryStore
from askwell.chat.steps import StepTracker
from askwell.llm.base import ChatModel, GenerationOptions
from askwell.retrieval.filters import SearchFilter
from askwell.retrieval.service import Retriever


@dataclass(frozen=True)
class RetrievalPlan:
    """Where and how this turn searches (from the assistant's retrieval settings)."""

    where: SearchFilter
    top_k: int = 5
    keyword_weight: float = 1.0
    vector_weight: float = 1.0


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
    retrieval: RetrievalPlan | None = None
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
    retriever: Retriever | None = None


class Stage(Protocol):
    """One step of a turn; features (retrieval, SQL) add stages, not HTTP code."""

    def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]: ...
