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
from askwell.sql.knowledge import SqlKnowledge


@dataclass(frozen=True)
class RetrievalPlan:
    """Where and how this turn searches (from the assistant's retrieval settings)."""

    where: SearchFilter
    top_k: int = 5
    keyword_weight: float = 1.0
    vector_weight: float = 2.0


@dataclass(frozen=True)
class SqlPlan:
    """The assistant's database (its URL decrypted, in memory only for this turn)."""

    connector_id: uuid.UUID
    url: str
    dialect: str
    config: dict[str, Any]  # schema snapshot, allow-list, description, docs, examples
    document_names: tuple[str, ...] = ()  # for the routing prompt, when it also has documents


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
    retrieval: RetrievalPlan | None = None
    sql: SqlPlan | None = None
    route: str = "documents"  # "documents" | "sql", decided by the route stage
    refused: bool = False  # a request to change data: answered with a refusal, nothing run
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
    sql_knowledge: SqlKnowledge | None = None
    sql_max_rows: int = 1000
    sql_timeout_s: float = 15.0
    sql_retries: int = 2


class Stage(Protocol):
    """One step of a turn; features (retrieval, SQL) add stages, not HTTP code."""

    def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]: ...
