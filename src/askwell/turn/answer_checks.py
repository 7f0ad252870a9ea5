"""The checks every streamed answer passes before the client sees it, whichever stage writes it.

First the instructions are kept out (on the model's own text, before anything is cut from
it), then sentences that only point at a passage are taken out, then citations are checked
against the sources the answer may cite (so only the citations shown count as cited).
"""

from __future__ import annotations

from askwell.turn.citations import CitationFilter
from askwell.turn.leaks import PromptLeakFilter
from askwell.turn.meta_sentences import MetaSentenceFilter


class AnswerChecks:
    def __init__(self, *, instructions: str, source_count: int) -> None:
        self._leaks = PromptLeakFilter(instructions)
        self._meta = MetaSentenceFilter()
        self._citations = CitationFilter(source_count)

    @property
    def cited(self) -> set[int]:
        return self._citations.cited

    @property
    def leaked(self) -> bool:
        """Whether a stretch of the instructions was removed from the answer."""
        return self._leaks.leaked

    @property
    def meta_removed(self) -> int:
        """How many sentences that only pointed at a passage were taken out."""
        return self._meta.removed

    def feed(self, text: str) -> str:
        """The part of the answer that is safe to emit now."""
        return self._citations.feed(self._meta.feed(self._leaks.feed(text)))

    def flush(self) -> str:
        """Whatever is still held back when the answer ends."""
        tail = self._meta.feed(self._leaks.flush()) + self._meta.flush()
        return self._citations.feed(tail) + self._citations.flush()
