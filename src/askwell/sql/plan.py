"""The SQL kind's part of a turn: the assistant's database, and the route's work in progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from askwell.llm.base import Message
from askwell.sql.execute import QueryResult
from askwell.sql.guard import GuardedQuery

KIND = "sql"


@dataclass(frozen=True)
class Failure:
    """A try that failed: its query, why, and what the retry prompt suggests about it."""

    sql: str
    error: str
    hint: str = ""


@dataclass
class SqlWork:
    """What the SQL route's stages hand on to each other within one turn."""

    prompt: list[Message] = field(default_factory=list)  # the first SQL prompt; retries extend it
    failures: list[Failure] = field(default_factory=list)  # every failed try, in order
    tries: int = 0  # retries so far (the first attempt is not one)
    repeats: int = 0  # tries on which the model wrote a query that had already failed
    query: GuardedQuery | None = None
    result: QueryResult | None = None


@dataclass(frozen=True)
class SqlPlan:
    """The assistant's database (its URL decrypted, in memory only for this turn)."""

    connector_id: uuid.UUID
    url: str
    dialect: str
    config: dict[str, Any]  # schema snapshot, allow-list, description, docs, examples
    work: SqlWork = field(default_factory=SqlWork)

    @property
    def schema(self) -> dict[str, Any]:
        return self.config.get("schema") or {}
