"""CSV: one paragraph per row, each value labelled with its column ("name: Ada; born: 1815").

Labelling every value makes each row readable on its own, so a chunk that starts halfway down the
table still says what its numbers mean and no header needs repeating; rows are packed into chunks
by the splitter like any paragraphs. The first row is taken as the header: csv.Sniffer's header
guess is wrong too often on small files, and a header is what CSV exports nearly always have.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from askwell.documents.parsing.base import Block, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.decoding import read_text

_SNIFF_CHARS = 64 * 1024
_DELIMITERS = ",;\t|"


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        rows = ([cell.strip() for cell in row] for row in reader)
        header = next((row for row in rows if any(row)), None)
        blocks = [Block(line, "paragraph") for row in rows if (line := _labelled(header or [], row))]
    except csv.Error as exc:
        raise ParseError(f"malformed CSV: {exc}") from exc
    if not blocks:
        raise ParseError("CSV has a header row but no data rows")
    return ParsedDocument(blocks=blocks, pages=None)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut row would confuse the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:  # one column, or too irregular to tell: plain comma-separated
        return csv.excel


def _labelled(header: list[str], row: list[str]) -> str:
    pairs = []
    for i, value in enumerate(row):
        if value:
            name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
            pairs.append(f"{name}: {' '.join(value.split())}")
    return "; ".join(pairs)
