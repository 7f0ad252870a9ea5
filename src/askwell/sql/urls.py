"""Which connection URLs a SQL connector may hold, checked when an admin creates or updates it.

A connector's URL decides what Askwell's process opens on the admin's behalf, so the checks
are about more than typos:

- the text must parse, percent-escapes included (`%zz` is no escape; it would reach the
  driver as something else than the admin typed), and a port must be a port;
- a supported database and driver (SQLite, PostgreSQL, MySQL/MariaDB);
- SQLite: a plain file path only (no host or user, no `file:` URI, no query parameters:
  those switch modes, e.g. `mode=rwc` creates files, `vfs=` picks another file system),
  inside the folders `sql_sqlite_allowed_dirs` names (symlinks followed, so a link cannot
  point out of them), and never Askwell's own database (accounts, password hashes, sealed
  credentials), whatever the name or link it is reached by.

Each refusal is an `Invalid` (422) with its own code, so a client can tell them apart.
Messages never echo the URL nor any part that may hold a password.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from askwell.errors import Invalid
from askwell.settings import Settings

# SQLAlchemy back-end name -> the connector's dialect ("postgres" is the old spelling that
# hosted PostgreSQL services still hand out; the read-only back-ends accept it too).
DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}
# Drivers a URL may name after "+": the read-only back-ends pick their own async driver, so
# these are the spellings understood as "this database"; anything else is refused rather than
# silently replaced.
_MYSQL_DRIVERS = frozenset({"pymysql", "aiomysql", "asyncmy", "mysqldb", "mysqlconnector"})
DRIVERS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"pysqlite", "aiosqlite"}),
    "postgresql": frozenset({"asyncpg", "psycopg", "psycopg2", "pg8000"}),
    "postgres": frozenset({"asyncpg", "psycopg", "psycopg2", "pg8000"}),
    "mysql": _MYSQL_DRIVERS,
    "mariadb": _MYSQL_DRIVERS,
}
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# SQLite keeps these beside a database file; opening one is opening the database.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")
_EXAMPLES = "e.g. postgresql://user@host/db or sqlite:////path/file.db"


def dialect_of(url: str) -> str:
    """ "sqlite" | "postgres" | "mysql" for a URL that parses, or Invalid."""
    return _dialect(_parse(url))


def check_url(url: str, *, settings: Settings) -> str:
    """The dialect of a URL an admin may store, or Invalid saying why not.

    Codes: "invalid_url" (does not parse, a bad percent-escape or port, a SQLite URL without
    a file path or with a host or user), "unsupported_database", "unsupported_driver",
    "sqlite_uri_not_allowed", "sqlite_query_not_allowed", "sqlite_path_not_allowed" (outside
    `sql_sqlite_allowed_dirs`) and "sqlite_own_database".
    """
    if _BAD_ESCAPE.search(url):
        raise Invalid(
            "The connection URL has a '%' that starts no percent-escape (two hex digits, e.g. "
            "%40 for '@'): write a literal '%' in a password as %25",
            code="invalid_url",
        )
    parsed = _parse(url)
    dialect = _dialect(parsed)
    backend = parsed.get_backend_name()
    driver = parsed.get_driver_name() if "+" in parsed.drivername else ""
    if driver not in ("", *DRIVERS[backend]):
        raise Invalid(
            f"Unsupported driver {driver!r} for {backend}; use one of "
            f"{', '.join(sorted(DRIVERS[backend]))} or none ({backend}://...)",
            code="unsupported_driver",
        )
    if backend == "sqlite":
        _check_sqlite(parsed, settings)
    elif parsed.port is not None and not 0 < parsed.port < 65536:
        raise Invalid("The connection URL's port must be a number from 1 to 65535", code="invalid_url")
    return dialect


def allowed_sqlite_dirs(settings: Settings) -> list[Path]:
    """The folders SQLite connectors may read from, resolved (symlinks followed)."""
    folders = settings.sql_sqlite_allowed_dirs or [settings.data_dir]
    return [Path(folder).expanduser().resolve() for folder in folders]


def _dialect(parsed: URL) -> str:
    backend = parsed.get_backend_name()
    if backend not in DIALECTS:
        raise Invalid(
            f"Unsupported database {backend!r}; supported: SQLite, PostgreSQL, MySQL/MariaDB ({_EXAMPLES})",
            code="unsupported_database",
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise Invalid(
            "A SQLite connector needs a database file path, e.g. sqlite:////data/shop.db", code="invalid_url"
        )
    return DIALECTS[backend]


def _check_sqlite(parsed: URL, settings: Settings) -> None:
    database = str(parsed.database)
    if parsed.host or parsed.username or parsed.password is not None or parsed.port:
        raise Invalid(
            "A SQLite URL names a local file only, no host, port or user: sqlite:////path/file.db "
            "(four slashes before an absolute path)",
            code="invalid_url",
        )
    if database.startswith("file:"):
        raise Invalid(
            "SQLite URI file names (sqlite:///file:...) are not accepted: give the file's path, "
            "e.g. sqlite:////data/shop.db",
            code="sqlite_uri_not_allowed",
        )
    if parsed.query:
        raise Invalid(
            "A SQLite connection URL takes no query parameters (Askwell opens the file read-only "
            f"itself); remove ?{'&'.join(sorted(parsed.query))}",
            code="sqlite_query_not_allowed",
        )
    path = Path(os.path.expanduser(database)).resolve()  # follows symlinks, even in the folders
    # Before the folder check: by default Askwell's database lies in the allowed data folder.
    if _is_own_database(path, settings):
        raise Invalid(
            "That is Askwell's own database (accounts, sealed credentials): a connector cannot read it",
            code="sqlite_own_database",
        )
    if not any(path.is_relative_to(folder) for folder in allowed_sqlite_dirs(settings)):
        raise Invalid(
            "The SQLite file is outside the folders connectors may read "
            "(ASKWELL_SQL_SQLITE_ALLOWED_DIRS, by default the data folder): move or link it "
            "there, or add its folder to that setting",
            code="sqlite_path_not_allowed",
        )


def _is_own_database(path: Path, settings: Settings) -> bool:
    own_url = make_url(settings.resolved_database_url)
    if own_url.get_backend_name() != "sqlite" or own_url.database in (None, "", ":memory:"):
        return False
    own = Path(os.path.expanduser(str(own_url.database))).resolve()
    for side in _SIDE_FILES:
        candidate = Path(f"{own}{side}")
        if path == candidate:
            return True
        # A hard link has its own name: the same file on disk is the same database.
        if path.exists() and candidate.exists() and os.path.samefile(path, candidate):
            return True
    return False


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise Invalid(
            f"The connection URL is not a valid SQLAlchemy URL, {_EXAMPLES}", code="invalid_url"
        ) from None
