"""Documents on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DocumentCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    status: str


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    connector_id: uuid.UUID
    name: str
    type: str
    size_bytes: int
    status: str
    progress: float
    error: str | None
    pages: int | None
    chunks: int
    created_at: datetime
    updated_at: datetime
