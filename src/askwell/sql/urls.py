"""Which connection URLs a SQL connector may hold, checked when an admin creates or updates it.

A connector's URL decides what Askwell's process opens on the admin's behalf, so the checks
are about more than typos:

- the text must parse, percent-escapes included (`%zz` is no escape; it would reach the
  driver as something else than the admin typed);
- a supported database and driver (SQLite, PostgreSQL, MySQL/MariaDB);
- SQLite: a plain file path only (no `file:` URI, no query parameters: those switch modes,
  e.g. `mode=rwc` creates files, `vfs=` picks another file system), inside the folders
  `sql_sqlite_allowed_dirs` names (symlinks followed, so a link cannot point out of them),
  and never Askwell's own database (users, password hashes, sealed credentials).

Messages never echo the URL: it may hold a password.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from askwell.errors import Invalid
from askwell.settings import Settings

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}
# Drivers SQLAlchemy may name after "+": the read-only back-ends pick their own async driver,
# so these only say which spellings are understood; anything else is refused.
DRIVERS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"pysqlite", "aiosqlite"}),
    "postgresql": frozenset({"asyncpg", "psycopg", "psycopg2", "pg8000"}),
    "mysql": frozenset({"pymysql", "aiomysql", "asyncmy", "mysqldb", "mysqlconnector"}),
    "mariadb": frozenset({"pymysql", "aiomysql", "asyncmy", "mysqldb", "mysqlconnector"}),
}
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# SQLite keeps these beside a database file; opening one is opening the database.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")
_EXAMPLES = "e.g. postgresql://user:password@host/db or sqlite:////path/file.db"


def dialect_of(url: str) -> str:
    """ "sqlite" | "postgres" | "mysql" for a URL that parses, or Invalid (code "invalid_url")."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in DIALECTS:
        raise Invalid(
            f"Unsupported database {backend!r}; supported: SQLite, PostgreSQL, MySQL/MariaDB",
            code="invalid_url",
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise Invalid(
            "A SQLite connector needs a database file path, e.g. sqlite:////data/shop.db", code="invalid_url"
        )
    return DIALECTS[backend]


def check_url(url: str, *, settings: Settings) -> str:
    """The dialect of a URL an admin may store, or Invalid (code "invalid_url") saying why not."""
    if _BAD_ESCAPE.search(url):
        raise Invalid(
            "The connection URL has a '%' that starts no percent-escape (two hex digits, e.g. "
            "%40 for '@'): encode a literal '%' in a password as %25",
            code="invalid_url",
        )
    dialect = dialect_of(url)
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    driver = parsed.get_driver_name() if "+" in parsed.drivername else ""
    if driver and driver not in DRIVERS[backend]:
        raise Invalid(
            f"Unsupported driver {driver!r} for {backend}; use one of {', '.join(sorted(DRIVERS[backend]))} "
            f"or none ({backend}://...)",
            code="invalid_url",
        )
    if backend == "sqlite":
        _check_sqlite(parsed, settings)
    return dialect


def allowed_sqlite_dirs(settings: Settings) -> list[Path]:
    """The folders SQLite connectors may read from, resolved (symlinks followed)."""
    return [Path(folder).resolve() for folder in settings.sql_sqlite_allowed_dirs or [settings.data_dir]]


def _check_sqlite(parsed: URL, settings: Settings) -> None:
    database = str(parsed.database)
    if database.startswith("file:"):
        raise Invalid(
            "SQLite URI file names (sqlite:///file:...) are not accepted: give the file's path, "
            "e.g. sqlite:////data/shop.db",
            code="invalid_url",
        )
    if parsed.query:
        raise Invalid(
            "A SQLite connection URL takes no query parameters (Askwell opens the file read-only "
            f"itself); remove ?{'&'.join(sorted(parsed.query))}",
            code="invalid_url",
        )
    path = Path(os.path.expanduser(database)).resolve()  # follows symlinks, even in the folders
    allowed = allowed_sqlite_dirs(settings)
    if not any(path.is_relative_to(folder) for folder in allowed):
        raise Invalid(
            "The SQLite file is outside the folders connectors may read "
            "(ASKWELL_SQL_SQLITE_ALLOWED_DIRS, by default the data folder): move or link it "
            "there, or add its folder to that setting",
            code="invalid_url",
        )
    own = _own_database(settings)
    if own is not None and any(path == Path(f"{own}{side}") for side in _SIDE_FILES):
        raise Invalid(
            "That is Askwell's own database (accounts, sealed credentials): a connector cannot read it",
            code="invalid_url",
        )


def _own_database(settings: Settings) -> Path | None:
    parsed = _parse(settings.resolved_database_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).resolve()


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise Invalid(
            f"The connection URL is not a valid SQLAlchemy URL, {_EXAMPLES}", code="invalid_url"
        ) from None
