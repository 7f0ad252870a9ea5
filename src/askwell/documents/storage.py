"""How uploaded files are named in the file store: "<document id>/<safe file name>".

The original is kept so a document can be re-ingested (new embedder, new chunk size)
without asking for the file again; the bytes live in the configured store (askwell.files:
a local folder, the database or S3).
"""

from __future__ import annotations

import re
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


def document_key(document_id: uuid.UUID, name: str) -> str:
    """The store key of a document's file (the local store's path under its folder)."""
    return f"{document_prefix(document_id)}{safe_name(name)}"


def document_prefix(document_id: uuid.UUID) -> str:
    """The prefix of every key of one document."""
    return f"{document_id}/"
