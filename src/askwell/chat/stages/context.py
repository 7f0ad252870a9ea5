"""Report the conversation context the turn starts from."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.turn.events import ChatEvent
from askwell.turn.state import Turn, TurnDeps


class ContextStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        yield turn.steps.start("context", "Loading conversation")
        source = "stored memory" if turn.memory_is_stored else "history sent by the client"
        yield turn.steps.finish("context", turns=len(turn.memory), memory=source)
