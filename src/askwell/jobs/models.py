"""The durable record of background work: one row per job, whatever queue carries it.

The queue back-end (in process, or Redis) only carries job ids; the state lives here, so
a flushed or replaced Redis, a killed worker or a restarted server loses nothing: the
reconciler sends again what is queued, or running without a live heartbeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime, utcnow


class JobState:
    QUEUED = "queued"  # waiting for a worker (or for its retry time, `run_after`)
    RUNNING = "running"  # claimed by a worker that keeps `heartbeat_at` fresh
    DONE = "done"
    FAILED = "failed"  # permanently: a bad input, or too many transient failures
    ACTIVE = (QUEUED, RUNNING)
    ALL = (QUEUED, RUNNING, DONE, FAILED)


class Job(IdMixin, TimestampMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_run_after", "state", "run_after"),
        Index("ix_jobs_task_key", "task", "key"),
    )

    task: Mapped[str] = mapped_column(String(60))  # a registered task name, e.g. "ingest_document"
    key: Mapped[str] = mapped_column(String(200))  # what it works on (a document id): one active job each
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # not before (backoff)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # last handed to the queue
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    rerun: Mapped[bool] = mapped_column(Boolean, default=False)  # asked for again while running
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the request that asked
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)  # who runs (or ran) it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
