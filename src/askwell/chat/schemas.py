"""Chat requests and responses on the wire (the stream's events live in events.py)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=32000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=8000)
    assistant_id: uuid.UUID
    session_id: str = Field(pattern=SESSION_ID_PATTERN)
    language: str | None = Field(default=None, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
    history: list[HistoryTurn] | None = Field(
        default=None,
        max_length=200,
        description="When given, the conversation context for this turn instead of stored memory.",
    )


class HistoryResponse(BaseModel):
    messages: list[dict[str, Any]]


class ResetResponse(BaseModel):
    message: str = "Conversation history reset successfully"


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    assistant_id: uuid.UUID
    title: str


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
