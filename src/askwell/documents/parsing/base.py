"""What every parser returns: a flat list of typed blocks, and the one error users get to see.

Parsers flatten each format into the same few block kinds so that splitting (chunking.py) needs to
know nothing about PDF, DOCX or HTML. Blocks are never empty: parsers drop whitespace-only text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["heading", "paragraph", "table", "list", "code"]


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of document structure.

    Tables are text with one row per line, cells joined by " | ", header row first. Lists are one
    item per line ("- item" or "1. item", nested items indented). Code keeps its line breaks.
    """

    text: str
    kind: BlockKind
    level: int = 0  # heading level (1 = top); 0 otherwise
    page: int | None = None  # 1-based page for paginated formats


@dataclass(frozen=True)
class ParsedDocument:
    blocks: list[Block]
    pages: int | None  # page count for PDF and images (TIFF frames); None otherwise
    title: str | None = None


class ParseError(Exception):
    """The file cannot be turned into text; ``reason`` is short and shown to the user as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParseLimits:
    """Bounds that keep one hostile or absurd upload from eating the worker's memory or time."""

    max_uncompressed_bytes: int = 200 * 1024 * 1024  # zip-based formats
    max_compression_ratio: int = 100
    max_members: int = 10_000
    max_pages: int = 5000  # PDF pages, TIFF frames
    # Pixels of one image or frame, checked from its header before it is decoded: a few-kB PNG
    # can declare gigapixels (a decompression bomb). 60 MP holds an A4 page scanned at 600 dpi.
    max_image_pixels: int = 60_000_000
    # Not a bound but the one switch parsers need beside them: the OCR engine's name in
    # parsing.ocr's registry, or None where OCR is off (images fail, scanned PDF pages are skipped).
    ocr_engine: str | None = "rapidocr"


EMPTY_FILE = "empty file"
