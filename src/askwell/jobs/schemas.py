"""Jobs on the wire (admins only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task: str
    key: str
    payload: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    last_error: str | None
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_after: datetime
    heartbeat_at: datetime | None


class QueueRead(BaseModel):
    backend: str  # "inprocess" | "redis"
    counts: dict[str, int]  # jobs per state: queued, running, done, failed
    oldest_queued_at: datetime | None  # how long the queue has been backed up
    failed_last_hour: int
