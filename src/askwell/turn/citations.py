"""Checks the answer's citations while it streams (every answer of a turn, whichever stage writes it).

A citation [n] that points to no source is removed before the client sees it, so the
streamed text and the stored text are the same; the numbers that do point to a source
are collected for `metadata.cited`. Text that may be the start of a citation ("[", "[1",
"[1, 2") is held back until it can be decided.
"""

from __future__ import annotations

import re

# Spaces inside the brackets ("[ 9 ]") still make a citation to the reader, so they are checked too.
_CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")
_MAYBE_CITATION = re.compile(r"\[[\d,\s]{0,24}")


class CitationFilter:
    def __init__(self, source_count: int) -> None:
        self._count = source_count
        self._pending = ""
        self.cited: set[int] = set()

    def feed(self, text: str) -> str:
        """The part of the answer that is safe to emit now."""
        buffer, self._pending = self._pending + text, ""
        out: list[str] = []
        position = 0
        while (start := buffer.find("[", position)) != -1:
            out.append(buffer[position:start])
            match = _CITATION.match(buffer, start)
            after_word = start > 0 and (buffer[start - 1].isalnum() or buffer[start - 1] == "_")
            if match:
                out.append(self._keep_valid(match.group(0), match.group(1), out, after_word=after_word))
                position = match.end()
                continue
            if _MAYBE_CITATION.fullmatch(buffer, start):
                emitted = "".join(out)
                kept = emitted.rstrip(" ")
                self._pending = emitted[len(kept) :] + buffer[start:]  # undecided until more text arrives
                return kept
            out.append("[")
            position = start + 1
        rest = buffer[position:]
        # Trailing spaces wait for the next piece: if it starts with a citation to remove,
        # the space before it goes too.
        kept = rest.rstrip(" ")
        self._pending = rest[len(kept) :]
        out.append(kept)
        return "".join(out)

    def flush(self) -> str:
        """Whatever is still held back when the answer ends."""
        pending, self._pending = self._pending, ""
        return pending

    def _keep_valid(self, raw: str, numbers: str, out: list[str], *, after_word: bool) -> str:
        valid = [n for n in (int(part) for part in numbers.split(",")) if 1 <= n <= self._count]
        if not valid and after_word:
            return raw  # "items[0]" is code, not a citation
        if not valid:
            if out and out[-1].endswith(" "):
                out[-1] = out[-1][:-1]  # "the fact [9]." -> "the fact."
            return ""
        self.cited.update(valid)
        return "[" + ", ".join(str(n) for n in dict.fromkeys(valid)) + "]"
