"""How uploaded files are named in the file store: "<document id>/<safe file name>".

The original is kept so a document can be re-ingested (new embedder, new chunk size)
without asking for the file again; the bytes live in the configured store (askwell.files:
a local folder, the database or S3).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from askwell.documents.names import clean_text

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(name: str) -> str:
    """A file name with no directory parts or odd characters (ASCII only, for any store)."""
    base = Path(clean_text(name).replace("\\", "/")).name.strip() or "file"
    cleaned = _UNSAFE.sub("_", base).lstrip(".")
    return cleaned[:200] or "file"


def display_name(name: str) -> str:
    """The name shown and matched for re-uploads: a relative path is kept ("guides/setup.md",
    so same-named files of different folders stay apart), without "..", "." or a root, and
    without controls, bidi overrides or zero-width characters (askwell.documents.names).

    Documents stored before this cleaning keep their names as they were uploaded (no
    migration): a name is only cleaned when a file comes in, so re-uploading such a file
    matches by the clean name and makes a new document beside the old one.
    """
    parts = [clean_text(p) for p in name.replace("\\", "/").split("/")]
    kept = [p for p in parts if p not in ("", ".", "..")]
    return "/".join(kept)[-255:].lstrip("/") or "file"


def document_key(document_id: uuid.UUID, name: str) -> str:
    """The store key of a document's file (the local store's path under its folder)."""
    return f"{document_prefix(document_id)}{safe_name(name)}"


def document_prefix(document_id: uuid.UUID) -> str:
    """The prefix of every key of one document."""
    return f"{document_id}/"
