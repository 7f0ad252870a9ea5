"""Where uploaded files are kept: <data_dir>/uploads/<document id>/<file name>.

The original is kept so a document can be re-ingested (new embedder, new chunk size)
without asking for the file again.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(name: str) -> str:
    """A file name with no directory parts or odd characters (the display name stays as given)."""
    base = Path(name.replace("\\", "/")).name.strip() or "file"
    cleaned = _UNSAFE.sub("_", base).lstrip(".")
    return cleaned[:200] or "file"


def display_name(name: str) -> str:
    """The name shown and matched for re-uploads: a relative path is kept ("guides/setup.md",
    so same-named files of different folders stay apart), without "..", "." or a root."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts)[-255:] or "file"


def document_path(uploads_dir: Path, document_id: uuid.UUID, name: str) -> Path:
    return uploads_dir / str(document_id) / safe_name(name)


def remove_document_files(uploads_dir: Path, document_id: uuid.UUID) -> None:
    shutil.rmtree(uploads_dir / str(document_id), ignore_errors=True)
