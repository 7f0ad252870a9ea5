"""What the MCP tools return as structured content (their text content is the same, as JSON)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field

from askwell.turn.events import Source


class AssistantCard(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None = None
    actions: list[str] = Field(description="What this caller may do with it: ask, search.")


class AssistantList(BaseModel):
    assistants: list[AssistantCard]


class Answer(BaseModel):
    answer: str = Field(description="The answer text; [n] cites sources[n-1].")
    session: str = Field(description="Pass it back as `session` to ask a follow-up in this conversation.")
    message_id: uuid.UUID | None = None
    sources: list[Source] = Field(default_factory=list, description="Passages: file, page, text.")
    sql: str | None = Field(default=None, description="For a data answer: the SQL that was run.")
    table: dict[str, Any] | None = Field(default=None, description="For a data answer: columns and rows.")
    visualization: dict[str, Any] | None = Field(default=None, description="For a data answer: a chart spec.")


class Passages(BaseModel):
    results: list[Source]
