"""The typed events a chat turn yields; only the HTTP edge turns them into NDJSON or SSE."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from askwell.redaction import redact, redact_any

StepStatus = Literal["running", "done", "error"]


class Source(BaseModel):
    id: str
    name: str
    type: str
    content: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class StartEvent(BaseModel):
    type: Literal["start"] = "start"
    session_id: str
    message_id: uuid.UUID
    assistant_id: uuid.UUID


class StepEvent(BaseModel):
    type: Literal["step"] = "step"
    step_id: str
    parent_id: str | None = None
    sequence: int
    label: str
    status: StepStatus
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _no_credentials(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        # a failed step's metadata may quote a driver's error: it reaches anyone who may chat
        cleaned: dict[str, Any] = redact_any(metadata)  # type: ignore[assignment]
        return cleaned


class SourcesEvent(BaseModel):
    type: Literal["sources"] = "sources"
    sources: list[Source]


class TokenEvent(BaseModel):
    type: Literal["token"] = "token"
    content: str


class SqlEvent(BaseModel):
    type: Literal["sql"] = "sql"
    sql: str


class TableEvent(BaseModel):
    type: Literal["table"] = "table"
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool = False


class VisualizationEvent(BaseModel):
    type: Literal["visualization"] = "visualization"
    visualization: dict[str, Any]


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message: str

    @field_validator("message")
    @classmethod
    def _no_credentials(cls, message: str) -> str:
        # streamed to anyone allowed to chat, anonymous users included
        return redact(message)


class UsageInfo(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Timings(BaseModel):
    retrieval_ms: float | None = None
    first_token_ms: float | None = None
    total_ms: float = 0.0


class DoneEvent(BaseModel):
    type: Literal["done"] = "done"
    message_id: uuid.UUID
    usage: UsageInfo
    timings: Timings


ChatEvent = Annotated[
    StartEvent
    | StepEvent
    | SourcesEvent
    | TokenEvent
    | SqlEvent
    | TableEvent
    | VisualizationEvent
    | ErrorEvent
    | DoneEvent,
    Field(discriminator="type"),
]
