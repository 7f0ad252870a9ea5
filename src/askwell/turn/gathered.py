"""A turn's events folded into the whole answer, for the surfaces that answer in one piece
(the OpenAI-compatible completion and its final chunk, the MCP `ask` tool)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from askwell.turn.events import (
    ChatEvent,
    DoneEvent,
    ErrorEvent,
    SourcesEvent,
    SqlEvent,
    StartEvent,
    TableEvent,
    TokenEvent,
    UsageInfo,
    VisualizationEvent,
)


@dataclass
class GatheredAnswer:
    text: list[str] = field(default_factory=list)
    message_id: uuid.UUID | None = None
    error: ErrorEvent | None = None
    usage: UsageInfo | None = None
    # What backs the answer, as the events gave it: sources; sql, table, visualization.
    extras: dict[str, Any] = field(default_factory=dict)

    def add(self, event: ChatEvent) -> None:
        if isinstance(event, StartEvent):
            self.message_id = event.message_id
        elif isinstance(event, TokenEvent):
            self.text.append(event.content)
        elif isinstance(event, SourcesEvent):
            self.extras["sources"] = event.sources
        elif isinstance(event, SqlEvent):
            self.extras["sql"] = event.sql
        elif isinstance(event, TableEvent):
            self.extras["table"] = event.model_dump(exclude={"type"})
        elif isinstance(event, VisualizationEvent):
            self.extras["visualization"] = event.visualization
        elif isinstance(event, ErrorEvent):
            self.error = event
        elif isinstance(event, DoneEvent):
            self.usage = event.usage

    @property
    def answer(self) -> str:
        return "".join(self.text)
