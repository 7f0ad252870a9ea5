"""Connectors on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# A registered knowledge kind (connectors.kinds.KINDS): "documents", "sql", ...
ConnectorType = Annotated[
    str, Field(min_length=1, max_length=20, pattern=r"^[a-z][a-z0-9_]*$", examples=["documents", "sql"])
]


class ConnectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ConnectorType
    name: str = Field(default="", max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)


class ConnectorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = None


class ConnectorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assistant_id: uuid.UUID
    type: ConnectorType
    name: str
    config: dict[str, Any]
    created_at: datetime
