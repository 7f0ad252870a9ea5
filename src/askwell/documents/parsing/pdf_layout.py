"""PDF text lines to paragraphs and headings, from line positions alone.

A PDF has no paragraphs, only positioned lines. A new paragraph starts where the vertical gap to
the previous line is clearly larger than the page's usual line pitch, where the font size changes,
where the text jumps up (a new column), or after a short line ending a sentence. Wrapped lines are
joined, and a word hyphenated across a line end is rejoined. A paragraph of at most two lines set
clearly larger than the body text is a heading, its level given by the rank of its size among the
heading sizes. Bold headings in the body size are not detected (cheap and safe beats clever).
Running headers and footers (the same first or last line on many pages) and bare page numbers are
dropped so that they do not break paragraphs or end up in every chunk.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from askwell.documents.parsing.base import Block

_SOFT_HYPHENS = ("\ufffe", "\x02", "\xad")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\xad\ufffe\uffff]")
_DASHES = "\u2013\u2014"
_PAGE_NUMBER = re.compile(
    rf"^(page\s*)?[-{_DASHES}(\s]*\d+(\s*(/|of)\s*\d+)?[-{_DASHES})\s]*$", re.IGNORECASE
)
_BULLET = re.compile(rf"^([\u2022\u25e6\u25aa\u2023\u25cf\u25cb\u25a0\u25a1{_DASHES}]|\d{{1,2}}[.)]\s)")
_SENTENCE_END = (".", "!", "?", ":", '."', ".)")
_HEADING_SCALE = 1.15
_MAX_HEADING_CHARS = 150


@dataclass(slots=True)
class Line:
    text: str
    page: int
    x: float | None = None  # left edge (baseline origin of the first char)
    y: float | None = None  # baseline, growing upwards
    right: float | None = None
    size: float = 0.0  # font size of the first char
    blank_before: bool = False


@dataclass(slots=True)
class _Paragraph:
    lines: list[Line]

    @property
    def size(self) -> float:
        return self.lines[0].size


def blocks_from_lines(lines: list[Line]) -> list[Block]:
    lines = _without_running_lines(lines)
    paragraphs = [p for page in _by_page(lines) for p in _paragraphs(page)]
    levels = _heading_levels(paragraphs)
    blocks = []
    for paragraph in paragraphs:
        text = _join(paragraph.lines)
        if not any(c.isalnum() for c in text):
            continue
        level = levels.get(_rounded(paragraph.size), 0) if _looks_like_heading(paragraph) else 0
        page = paragraph.lines[0].page
        blocks.append(Block(text, "heading" if level else "paragraph", level=level, page=page))
    return blocks


def _by_page(lines: list[Line]) -> list[list[Line]]:
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    return list(pages.values())


def _without_running_lines(lines: list[Line]) -> list[Line]:
    """Drop page numbers and lines repeated at the top or bottom of many pages."""
    pages = _by_page(lines)
    edges = Counter(_running_key(line) for page in pages for line in _edge_lines(page))
    repeated = {key for key, count in edges.items() if count >= 3 and count >= len(pages) / 2}
    kept = []
    for page in pages:
        for i, line in enumerate(page):
            edge = i == 0 or i == len(page) - 1
            if edge and (_PAGE_NUMBER.match(line.text) or _running_key(line) in repeated):
                continue
            kept.append(line)
    return kept


def _running_key(line: Line) -> str:
    """The line with its own page number blanked: "Manual, page 7" on page 7 -> "manual, page #"."""
    return re.sub(rf"(?<!\d){line.page}(?!\d)", "#", " ".join(line.text.lower().split()))


def _edge_lines(page: list[Line]) -> list[Line]:
    return page[:1] + page[1:][-1:]


def _paragraphs(lines: list[Line]) -> list[_Paragraph]:
    pitch = _line_pitch(lines)
    right_edge = max((line.right for line in lines if line.right is not None), default=None)
    paragraphs: list[_Paragraph] = []
    for line in lines:
        if paragraphs and not _breaks(paragraphs[-1].lines[-1], line, pitch, right_edge):
            paragraphs[-1].lines.append(line)
        else:
            paragraphs.append(_Paragraph([line]))
    return paragraphs


def _line_pitch(lines: list[Line]) -> float | None:
    """The page's usual baseline-to-baseline distance between lines of the same size."""
    gaps = [
        a.y - b.y
        for a, b in itertools.pairwise(lines)
        if a.y is not None and b.y is not None and abs(a.size - b.size) < 0.5 and 0 < a.y - b.y < 3 * a.size
    ]
    return statistics.median(gaps) if gaps else None


def _breaks(prev: Line, line: Line, pitch: float | None, right_edge: float | None) -> bool:
    if line.blank_before or _BULLET.match(line.text):
        return True
    if prev.y is None or line.y is None:
        return False
    if abs(prev.size - line.size) >= 0.5:
        return True
    gap = prev.y - line.y
    if gap <= 0 or (pitch is not None and gap > 1.25 * pitch + 0.5) or gap > 2.5 * max(prev.size, 1):
        return True
    # A sentence ending well short of the right margin ends its paragraph.
    short = right_edge is not None and prev.right is not None and prev.right < right_edge - 4 * prev.size
    return short and prev.text.endswith(_SENTENCE_END)


def _heading_levels(paragraphs: list[_Paragraph]) -> dict[float, int]:
    """Heading font size (rounded to half points) -> level, largest first."""
    chars: Counter[float] = Counter()
    for paragraph in paragraphs:
        for line in paragraph.lines:
            chars[_rounded(line.size)] += len(line.text)
    if not chars:
        return {}
    body = chars.most_common(1)[0][0]
    if body <= 0:
        return {}
    headings = [p for p in paragraphs if p.size >= body * _HEADING_SCALE and _looks_like_heading(p)]
    sizes = {_rounded(p.size) for p in headings}
    candidates = sum(1 for p in paragraphs if _rounded(p.size) in sizes and _looks_like_heading(p))
    if candidates > len(paragraphs) / 2:  # mostly "headings": the size tells nothing here
        return {}
    return {size: min(rank, 6) for rank, size in enumerate(sorted(sizes, reverse=True), start=1)}


def _looks_like_heading(paragraph: _Paragraph) -> bool:
    text = " ".join(line.text for line in paragraph.lines)
    return (
        len(paragraph.lines) <= 2
        and len(text) <= _MAX_HEADING_CHARS
        and not text.endswith((".", ",", ";"))
        and any(c.isalpha() for c in text)
    )


def _join(lines: list[Line]) -> str:
    """Wrapped lines joined with spaces; a word hyphenated at a line end rejoined."""
    parts: list[str] = []
    for line in lines:
        text = line.text.translate(_LIGATURES)
        if parts:
            prev = parts[-1]
            if _hyphenated(prev, text):
                parts[-1] = prev[:-1]
            else:
                parts.append(" ")
        parts.append(text)
    return " ".join(_CONTROL.sub("", "".join(parts)).split())


def _hyphenated(prev: str, text: str) -> bool:
    """Whether `prev` ends with a hyphen that splits a word continued by `text`."""
    if prev.endswith(_SOFT_HYPHENS):
        return True
    return prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and text[:1].islower()


def _rounded(size: float) -> float:
    return round(size * 2) / 2
