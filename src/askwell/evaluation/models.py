"""The evaluation tables: a set of questions per assistant, its runs, and each run's answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class RunStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class EvalSet(IdMixin, TimestampMixin, Base):
    """An uploaded set: its questions are kept whole (JSON), as validated, in file order."""

    __tablename__ = "eval_sets"

    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    item_count: Mapped[int] = mapped_column(Integer, default=0)


class EvalRun(IdMixin, TimestampMixin, Base):
    __tablename__ = "eval_runs"

    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("eval_sets.id", ondelete="CASCADE"), index=True)
    # Whose turns the answers are (the chat binds a session to a user); null for a local CLI run.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    failed_questions: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EvalResult(IdMixin, Base):
    """One question of a run: what was retrieved per mode, answered, cited, and how it scored."""

    __tablename__ = "eval_results"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the question's index in its set
    question: Mapped[str] = mapped_column(Text)
    expected: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    retrieved: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # mode -> ranked documents
    answer: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    sql: Mapped[str | None] = mapped_column(Text, nullable=True)
    sql_result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    latency_ms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
