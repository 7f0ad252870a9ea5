"""Files to structured text: pick a parser by type, get blocks back or a ParseError for the user.

Parsers are registered by type name and imported on first use, so a deployment that never sees a
PDF never loads pdfium, and one that never sees a scan never loads the OCR models. Every parser is
synchronous and CPU-bound: call :func:`parse` from a worker thread (``anyio.to_thread.run_sync``),
never on the event loop.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from askwell.documents.parsing.base import Block, BlockKind, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.detect import SUPPORTED_TYPES, detect_type, real_kind

__all__ = [
    "SUPPORTED_TYPES",
    "Block",
    "BlockKind",
    "ParseError",
    "ParseLimits",
    "ParsedDocument",
    "detect_type",
    "parse",
    "real_kind",
]

# type -> module with `parse(path, limits) -> ParsedDocument`
_PARSERS: dict[str, str] = {
    "pdf": "askwell.documents.parsing.pdf",
    "docx": "askwell.documents.parsing.docx",
    "md": "askwell.documents.parsing.markdown",
    "html": "askwell.documents.parsing.html",
    "txt": "askwell.documents.parsing.text",
    "csv": "askwell.documents.parsing.csv",
    "png": "askwell.documents.parsing.image",
    "jpeg": "askwell.documents.parsing.image",
    "tiff": "askwell.documents.parsing.image",
}


class _Parser(Protocol):
    def parse(self, path: Path, limits: ParseLimits) -> ParsedDocument: ...


def parse(path: Path, file_type: str, limits: ParseLimits = ParseLimits()) -> ParsedDocument:
    """Parse the file at `path` as `file_type` (a key of SUPPORTED_TYPES).

    Raises:
        ParseError: the file is empty, encrypted, corrupt, too big or has no text; ``reason``
            says which, in words meant for the user.
        ValueError: `file_type` is not supported (a caller bug: use :func:`detect_type` first).
    """
    module_name = _PARSERS.get(file_type)
    if module_name is None:
        raise ValueError(f"unsupported file type {file_type!r}; known: {', '.join(sorted(_PARSERS))}")
    parser: _Parser = importlib.import_module(module_name)  # type: ignore[assignment]
    document = parser.parse(path, limits)
    if not document.blocks:
        raise ParseError("empty file")
    return document
