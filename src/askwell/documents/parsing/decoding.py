"""Bytes to text for the text-based formats (TXT, Markdown, CSV, HTML).

Uploads come from every kind of editor: UTF-8 with or without a BOM, UTF-16 from Windows tools,
and legacy Windows-1252. UTF-8 is tried first because a valid UTF-8 decoding of non-ASCII bytes is
almost never an accident; Windows-1252 then Latin-1 (which cannot fail) catch the rest. A file
with many NUL bytes is binary (an image or archive renamed to .txt) and is refused rather than
turned into mojibake.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from askwell.documents.parsing.base import EMPTY_FILE, ParseError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SAMPLE = 8192
_MAX_NUL_SHARE = 0.01


def read_text(path: Path, *, declared: str | None = None) -> str:
    """The file decoded (see :func:`decode_text`)."""
    return decode_text(path.read_bytes(), declared=declared)


def decode_text(data: bytes, *, declared: str | None = None) -> str:
    """Decode `data`, newlines normalised to "\\n".

    Args:
        data: the raw file.
        declared: an encoding the file names itself (an HTML meta charset), tried after UTF-8.

    Raises:
        ParseError: "empty file" when there is no text; "binary file, not text" when NUL-heavy.
    """
    text = _decode(data, declared)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise ParseError(EMPTY_FILE)
    return text


def _decode(data: bytes, declared: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    sample = data[:_SAMPLE]
    if sample and sample.count(0) > len(sample) * _MAX_NUL_SHARE:
        raise ParseError("binary file, not text")
    candidates = ["utf-8"]
    if declared and _known_codec(declared):
        candidates.append(declared)
    candidates.append("cp1252")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):  # LookupError: a non-text codec such as "rot13"
            continue
    return data.decode("latin-1")


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
