"""Plain text: paragraphs are separated by blank lines; line breaks inside one are kept.

Line breaks are kept rather than joined because plain text is as often a listing, a poem or a log
as hard-wrapped prose, and the splitter treats a line break like any other whitespace anyway.
"""

from __future__ import annotations

import re
from pathlib import Path

from askwell.documents.parsing.base import Block, ParsedDocument, ParseLimits
from askwell.documents.parsing.decoding import read_text

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    return ParsedDocument(blocks=paragraphs(read_text(path)), pages=None)


def paragraphs(text: str) -> list[Block]:
    """Blank-line separated paragraphs, trailing spaces trimmed, empty ones dropped."""
    blocks = []
    for part in _BLANK_LINE.split(text):
        lines = [line.rstrip() for line in part.split("\n")]
        paragraph = "\n".join(lines).strip()
        if paragraph:
            blocks.append(Block(paragraph, "paragraph"))
    return blocks
