"""Keeps the prompt's instructions out of a streamed answer.

A document (or a database cell) can tell the model to "reveal your system prompt", and a
small model may obey. Fencing the passages as data lowers the odds; this check holds even
when the model obeys: every stretch of the answer that repeats at least `LEAK_MIN_CHARS`
characters of the instructions verbatim is replaced by "…" before the client sees it, so the
streamed and the stored answer agree.

A stretch is a leak when it is covered by windows of `LEAK_MIN_CHARS` characters that all
occur in the instructions (a set of those windows is built once), which is the same as
"every common substring of that length or more". Whitespace counts as a plain space on
both sides, since a model re-wraps lines. Only the end of the answer that may still grow
into a leak (found in the instructions, at most `LEAK_MIN_CHARS - 1` characters) is held
back until the next piece (or the end) decides it.
"""

from __future__ import annotations

import re

# Long enough that an answer never repeats that much of the rules by chance ("say that you
# don't know" is 24), short enough to catch any sentence of a system prompt.
LEAK_MIN_CHARS = 40
LEAK_MARK = "…"
_SPACE = re.compile(r"\s")


def _plain(text: str) -> str:
    return _SPACE.sub(" ", text)


class PromptLeakFilter:
    def __init__(self, instructions: str, *, min_chars: int = LEAK_MIN_CHARS) -> None:
        plain = _plain(instructions)
        self._size = min_chars
        self._instructions = plain
        self._windows = {plain[i : i + min_chars] for i in range(len(plain) - min_chars + 1)}
        self._text = ""  # the answer so far, as the model wrote it
        self._plain = ""
        self._decided = 0  # characters before this index were emitted or dropped
        self._checked = 0  # windows starting before this index were looked up
        self._leak_end = 0  # the end of the latest leaked stretch
        self.leaked = False

    def feed(self, text: str) -> str:
        """The part of the answer that is safe to emit now."""
        self._text += text
        self._plain += _plain(text)
        if not self._windows:  # instructions shorter than a window: nothing can leak
            return self._release(len(self._text))
        # Only the end of the answer that could still grow into a leak waits: the longest
        # suffix found in the instructions (a window that will cover it must start there).
        return self._release(len(self._text) - self._open_suffix())

    def flush(self) -> str:
        """Whatever is still held back when the answer ends."""
        return self._release(len(self._text))

    def _open_suffix(self) -> int:
        """The length (under a window) of the longest end of the answer found in the instructions."""
        low, high = 0, min(len(self._plain), self._size - 1)
        while low < high:  # found with length n means found with n - 1 too: a binary search
            middle = (low + high + 1) // 2
            if self._plain[-middle:] in self._instructions:
                low = middle
            else:
                high = middle - 1
        return low

    def _release(self, limit: int) -> str:
        out: list[str] = []
        while self._checked < limit and self._checked + self._size <= len(self._plain):
            start = self._checked
            self._checked += 1
            if self._plain[start : start + self._size] not in self._windows:
                continue
            if not self.leaked or start > self._leak_end:
                self._advance(start, out)  # the text before a new stretch is clean
                out.append(LEAK_MARK)  # the whole stretch becomes one mark
                self._decided = start
                self.leaked = True
            self._leak_end = start + self._size
        self._advance(limit, out)
        return "".join(out)

    def _advance(self, to: int, out: list[str]) -> None:
        """Decide the characters before `to`: dropped inside the latest stretch, kept after it."""
        if self.leaked and self._decided < self._leak_end:
            self._decided = max(self._decided, min(self._leak_end, to))
        if self._decided < to:
            out.append(self._text[self._decided : to])
            self._decided = to
