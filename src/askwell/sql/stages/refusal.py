"""The read-only answer to a request to change data: polite, final, and no error."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.ops import metrics
from askwell.sql.intent import READ_ONLY_REFUSAL
from askwell.turn.events import ChatEvent, TokenEvent
from askwell.turn.state import Turn


async def decline(turn: Turn) -> AsyncIterator[ChatEvent]:
    """Answer that nothing can be changed; the later SQL stages see a refused turn and pass."""
    turn.refused = True
    yield turn.steps.start("answer", "Answering")
    turn.first_token_ms = turn.elapsed_ms()
    turn.answer.append(READ_ONLY_REFUSAL)
    metrics.count_sql_outcome("refused")
    yield TokenEvent(content=READ_ONLY_REFUSAL)
    yield turn.steps.finish("answer", refused=True)
