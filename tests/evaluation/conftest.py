"""A slice of ../shared/datasets/docs-devset: a few SQLite documentation pages and their FAQ queries.

The pages are read straight from the dataset's pinned .deb (an ar archive holding
data.tar.xz), so the test needs no corpus build. FAQ queries are used as they are: their
qrels are the pages the FAQ answer links to, their reference answers the FAQ's text.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

# Beside the repository, as bench/ uses it; a worktree elsewhere points at it with the variable.
DATASET = Path(
    os.environ.get("ASKWELL_DOCS_DEVSET")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "docs-devset"
).resolve()
DEB = DATASET / "sqlite3-doc_3.40.1-2+deb12u2_all.deb"
PAGES = ("datatype3.html", "limits.html", "lang_altertable.html", "copyright.html", "lang_vacuum.html")
QUERIES = ("faq-q2", "faq-q8", "faq-q11", "faq-q13")
_DOC_ROOT = "./usr/share/doc/sqlite3/"


def _ar_member(archive: bytes, name: str) -> bytes:
    position = 8  # "!<arch>\n"
    while position < len(archive):
        header = archive[position : position + 60]
        member, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
        position += 60
        if member == name:
            return archive[position : position + size]
        position += size + size % 2
    raise KeyError(name)


@pytest.fixture(scope="session")
def devset_pages() -> dict[str, bytes]:
    if not DEB.is_file():
        pytest.skip(f"the docs-devset dataset is not at {DATASET}")
    data = _ar_member(DEB.read_bytes(), "data.tar.xz")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as tar:
        return {page: tar.extractfile(_DOC_ROOT + page).read() for page in PAGES}  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def devset_queries() -> list[dict[str, Any]]:
    lines = (DATASET / "queries.jsonl").read_text().splitlines()
    queries = {q["id"]: q for q in map(json.loads, filter(None, lines))}
    return [queries[i] for i in QUERIES]
