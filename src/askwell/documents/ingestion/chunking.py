"""Structure-aware splitting of a parsed document into chunks for embedding and citation.

A chunk never crosses a heading: each heading starts a section and sets the heading path that every
chunk of the section carries (the heading text is not repeated inside the chunks); the document's
title, when no heading says it, is the root of every path. Within a
section, whole blocks are packed up to ``chunk_tokens``; a block that does not fit in the current
chunk but would fit in an empty one starts the next chunk rather than being cut. A block larger
than a chunk is cut into units: sentences for prose, lines for lists and code, rows for tables
(whose continuation chunks repeat the header row); only a unit still too large is cut again, at
line and then at word boundaries. Each chunk after the first of a section starts with the last
whole sentences of the previous chunk, up to ``overlap_tokens``, so that a fact cut in two is
still found whole.

Offsets are exact: ``document_text(doc)[chunk.char_start:chunk.char_end]`` is the source span of
the chunk. Its text is that span, except that a table continuation chunk starts with the repeated
header row and a newline.

``count_tokens`` is the embedder's tokenizer, so it is called once per unit (sentence, line, row
or word of a too-long sentence) and once per finished chunk: linear in the document's length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from askwell.documents.parsing.base import Block, ParsedDocument

SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    text: str
    page_start: int | None
    page_end: int | None
    heading_path: tuple[str, ...]  # e.g. ("User guide", "Installation")
    char_start: int  # offsets into document_text(doc)
    char_end: int
    token_count: int


def document_text(doc: ParsedDocument) -> str:
    """The text that chunk offsets refer to: the blocks joined by blank lines."""
    return SEPARATOR.join(block.text for block in doc.blocks)


def split(
    doc: ParsedDocument, *, chunk_tokens: int, overlap_tokens: int, count_tokens: Callable[[str], int]
) -> list[Chunk]:
    """Split `doc` into chunks of at most `chunk_tokens` tokens (see the module docstring).

    Only a single word longer than `chunk_tokens` makes a chunk larger than that.

    Raises:
        ValueError: chunk_tokens < 1, or overlap_tokens not in [0, chunk_tokens).
    """
    if chunk_tokens < 1 or not 0 <= overlap_tokens < chunk_tokens:
        raise ValueError("need chunk_tokens >= 1 and 0 <= overlap_tokens < chunk_tokens")
    text = document_text(doc)
    units = _Units(text, chunk_tokens, count_tokens)
    root = _title_root(doc)
    chunks: list[Chunk] = []
    for path, placed in _sections(doc.blocks):
        path = root + path
        packer = _Packer(chunk_tokens, overlap_tokens)
        for i, (block, start) in enumerate(placed):
            block_units = list(units.of(block, start))
            continued = i > 0 and _continues(placed[i - 1][0], block)
            if continued:  # its first unit ends a sentence begun on the previous page
                block_units[0] = replace(block_units[0], starts=False, complete=False)
            if i + 1 < len(placed) and _continues(block, placed[i + 1][0]):
                block_units[-1] = replace(block_units[-1], complete=False)
            packer.add_block(block_units, keep_whole=not continued)
        for members, with_header in packer.finish():
            chunks.append(_chunk(len(chunks), text, members, with_header, path, count_tokens))
    return chunks


# --- sections -----------------------------------------------------------------------------------


def _title_root(doc: ParsedDocument) -> tuple[str, ...]:
    """The page title as the root of every heading path, unless the first heading already says
    it. Many pages carry their subject only in <title> ("Implementation Limits For SQLite" is
    in no heading of limits.html): as a heading it is searched (the FTS headings column) and
    embedded with each chunk (bench/RESULTS.md, retrieval: +7 % nDCG@10 for vector search)."""
    title = " ".join((doc.title or "").split())
    if not title:
        return ()
    first = next((b.text for b in doc.blocks if b.kind == "heading"), "")
    return () if " ".join(first.split()).casefold() == title.casefold() else (title,)


def _sections(blocks: list[Block]) -> Iterator[tuple[tuple[str, ...], list[tuple[Block, int]]]]:
    """(heading path, [(block, offset)]) for each run of blocks between headings.

    A heading with nothing under it (no text, no subsection) is its own section's only block, so
    that it still yields a chunk.
    """
    path: list[tuple[int, str]] = []
    current: list[tuple[Block, int]] = []
    offset = 0
    for i, block in enumerate(blocks):
        start, offset = offset, offset + len(block.text) + len(SEPARATOR)
        if block.kind != "heading":
            current.append((block, start))
            continue
        if current:
            yield tuple(t for _, t in path), current
            current = []
        level = max(block.level, 1)
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, block.text))
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if following is None or (following.kind == "heading" and max(following.level, 1) <= level):
            yield tuple(t for _, t in path), [(block, start)]
    if current:
        yield tuple(t for _, t in path), current


def _continues(previous: Block, block: Block) -> bool:
    """Whether `block` is the rest of a paragraph cut by a page break (PDF): no break between them."""
    return (
        previous.kind == block.kind == "paragraph"
        and previous.page is not None
        and block.page is not None
        and previous.page != block.page
        and block.text[:1].islower()
        and not previous.text.endswith((".", "!", "?", ":", ";", '"', "\u201d", ")"))
    )


# --- units --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    text: str
    tokens: int


@dataclass(frozen=True, slots=True)
class _Unit:
    """A span that is never cut: a sentence, a line, a table row, or one word of a huge sentence."""

    start: int
    end: int
    tokens: int
    page: int | None
    starts: bool  # begins at a sentence (line, row) boundary
    complete: bool  # prose that also ends at one: usable as overlap (code lines, table rows are not)
    header: _Header | None = None  # for table rows after the header row


class _Units:
    """Cuts blocks into units, each token-counted once."""

    def __init__(self, text: str, limit: int, count: Callable[[str], int]) -> None:
        self._text = text
        self._limit = limit
        self._count = count

    def of(self, block: Block, offset: int) -> Iterator[_Unit]:
        end = offset + len(block.text)
        if block.kind in ("paragraph", "heading"):
            yield from self._cut(offset, end, block.page, ("sentence", "line", "word"))
            return
        header = None
        prose = block.kind == "list"  # repeating code lines or table rows as overlap helps nobody
        lines = _line_spans(self._text, offset, end, keep_indent=block.kind == "code")
        for i, (start, stop) in enumerate(lines):
            tokens = self._count(self._text[start:stop])
            if tokens <= self._limit:
                units = [_Unit(start, stop, tokens, block.page, starts=True, complete=prose)]
            else:  # a line is a natural boundary: what is inside it is cut like prose
                units = list(self._cut(start, stop, block.page, ("sentence", "word")))
                units = units if prose else [replace(u, complete=False) for u in units]
            if block.kind == "table" and i == 0:
                header = _Header(self._text[start:stop], sum(u.tokens for u in units))
            elif header is not None:
                units = [_with_header(u, header) for u in units]
            yield from units

    def _cut(
        self,
        start: int,
        end: int,
        page: int | None,
        levels: tuple[str, ...],
        starts: bool = True,
        complete: bool = True,
    ) -> Iterator[_Unit]:
        """Units for text[start:end], cut at levels[0], then deeper only where still too large.

        Sentences are boundaries a reader sees; a line break inside a sentence or a word boundary
        is not, so only the first piece of a sentence cut there "starts", and only the last one is
        "complete".
        """
        level, deeper = levels[0], levels[1:]
        spans = _SPANS[level](self._text, start, end)
        natural = level == "sentence"
        for i, (s, e) in enumerate(spans):
            first, last = i == 0, i == len(spans) - 1
            span_starts = natural or (starts and first)
            span_complete = natural or (complete and last)
            tokens = self._count(self._text[s:e])
            if tokens <= self._limit or not deeper:
                yield _Unit(s, e, tokens, page, span_starts, span_complete and span_starts)
            else:
                yield from self._cut(s, e, page, deeper, span_starts, span_complete)


def _with_header(unit: _Unit, header: _Header) -> _Unit:
    return _Unit(unit.start, unit.end, unit.tokens, unit.page, unit.starts, unit.complete, header)


# --- packing ------------------------------------------------------------------------------------


class _Packer:
    """Greedy packing of one section's units into chunks, with sentence overlap between them."""

    def __init__(self, limit: int, overlap: int) -> None:
        self._limit = limit
        self._overlap = overlap
        self._done: list[tuple[list[_Unit], bool]] = []
        self._current: list[_Unit] = []
        self._tokens = 0
        self._with_header = False

    def add_block(self, units: list[_Unit], *, keep_whole: bool = True) -> None:
        total = sum(u.tokens for u in units)
        if keep_whole and self._current and self._tokens + total > self._limit and total <= self._limit:
            self._close()
            self._start(units)  # the whole block moves to the next chunk rather than being cut
            return
        for unit in units:
            if not self._current:
                self._start([unit])
            elif self._tokens + unit.tokens <= self._limit:
                self._current.append(unit)
                self._tokens += unit.tokens
            else:
                self._close()
                self._start([unit])

    def finish(self) -> list[tuple[list[_Unit], bool]]:
        if self._current:
            self._close()
        return self._done

    def _close(self) -> None:
        self._done.append((self._current, self._with_header))
        self._current, self._tokens = [], 0

    def _start(self, units: list[_Unit]) -> None:
        """Open a chunk with `units`, after as much overlap as fits; a table header beats overlap."""
        overlap = self._overlap_units()
        for skip in range(len(overlap) + 1):
            members = overlap[skip:] + units
            tokens = sum(u.tokens for u in members)
            header = members[0].header
            if header is not None and tokens + header.tokens <= self._limit:
                self._open(members, tokens + header.tokens, with_header=True)
                return
            if header is None and tokens <= self._limit:
                self._open(members, tokens, with_header=False)
                return
        # Only a table row too large to carry its header, or a single word over the limit, gets here.
        self._open(units, sum(u.tokens for u in units), with_header=False)

    def _open(self, members: list[_Unit], tokens: int, *, with_header: bool) -> None:
        self._current, self._tokens, self._with_header = members, tokens, with_header

    def _overlap_units(self) -> list[_Unit]:
        """The previous chunk's last complete sentences within the overlap budget (never all of it)."""
        if not self._done or not self._overlap:
            return []
        previous = self._done[-1][0]
        picked: list[_Unit] = []
        budget = self._overlap
        for unit in reversed(previous[1:]):
            if not unit.complete or unit.tokens > budget:
                break
            picked.append(unit)
            budget -= unit.tokens
        return picked[::-1]


def _chunk(
    index: int,
    text: str,
    members: list[_Unit],
    with_header: bool,
    path: tuple[str, ...],
    count: Callable[[str], int],
) -> Chunk:
    start, end = members[0].start, members[-1].end
    body = text[start:end]
    header = members[0].header
    if with_header and header is not None:
        body = f"{header.text}\n{body}"
    pages = [u.page for u in members if u.page is not None]
    return Chunk(
        index=index,
        text=body,
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
        heading_path=path,
        char_start=start,
        char_end=end,
        token_count=count(body),
    )


# --- segmentation -------------------------------------------------------------------------------

# Sentence-final punctuation, closing quotes or brackets, then whitespace; CJK stops need no space.
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s)|[\u3002\uff01\uff1f]+[\u300d\u300f)]*")
# Words whose period does not end a sentence ("e.g." and "U.S." are caught as letter-dot runs).
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr vs fig figs eq eqs vol vols approx cf al inc ltd corp dept est "
    "p pp ch ed eds rev resp incl jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_OPENERS = "\"'([{\u201c\u2018\u00ab"
_WORD = re.compile(r"\S+")
_LINE = re.compile(r"[^\n]+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], surrounding whitespace excluded.

    Does not cut after abbreviations ("e.g.", "Dr."), initials ("U.S.", "J. Smith"), inside
    numbers ("3.14"), or before a lowercase word ("approx. three").
    """
    end = len(text) if end is None else end
    spans = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _ends_sentence(text, match.start(), match.end(), end):
            spans.append(_stripped(text, begin, match.end()))
            begin = match.end()
    spans.append(_stripped(text, begin, end))
    return [(s, e) for s, e in spans if s < e]


def _ends_sentence(text: str, punct: int, after: int, end: int) -> bool:
    if text[punct] in "\u3002\uff01\uff1f":
        return True
    following = after
    while following < end and text[following].isspace():
        following += 1
    if following < end and text[following].islower():
        return False
    if text[punct] != "." or text[punct:after].startswith(".."):
        return True
    word_start = punct
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:punct].lstrip(_OPENERS)
    if word.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(word):
        return False
    # "No. 5" and "Nr. 5": a number follows.
    return not (word.lower() in ("no", "nr", "nos") and following < end and text[following].isdigit())


def _line_spans(text: str, start: int, end: int, *, keep_indent: bool = False) -> list[tuple[int, int]]:
    spans = []
    for match in _LINE.finditer(text, start, end):
        s, e = _stripped(text, match.start(), match.end())
        if s < e:
            spans.append((match.start() if keep_indent else s, e))
    return spans


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text, start, end)]


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_SPANS: dict[str, Callable[[str, int, int], list[tuple[int, int]]]] = {
    "sentence": sentence_spans,
    "line": _line_spans,
    "word": _word_spans,
}
