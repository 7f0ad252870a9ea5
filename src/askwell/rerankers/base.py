"""The reranker protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Reranker(Protocol):
    """Scores passages against a query, higher meaning more relevant.

    Implementations never block the event loop and return one score per passage, in the order
    of `passages`; the scores order the passages of one call and mean nothing across calls.
    A failure (server down, timeout, an answer that makes no sense) raises an `AskwellError`
    whose message says what to check: callers keep their own order then.
    """

    name: str
    """The "provider:model" name the reranker was built from."""

    async def rerank(self, query: str, passages: Sequence[str]) -> list[float]:
        """The score of each passage for `query` (`[]` for no passages)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
