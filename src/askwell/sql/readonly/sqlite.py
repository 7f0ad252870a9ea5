"""SQLite, read-only: the file opened `mode=ro`, `PRAGMA query_only=ON`, no ATTACH (limit 0),
values capped at 100 MB, and an authorizer that allows only SELECT, reads, recursive CTEs,
informational PRAGMAs and functions off the guard's deny-list. SQLite has no statement timeout:
a timer interrupts the query (sqlite3's interrupt() is thread-safe)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.errors import Invalid
from askwell.sql.guard import is_denied_function
from askwell.sql.readonly.base import Backend, Deadline, ReadOnlyBackend

SQLITE_MAX_LENGTH = 100_000_000  # largest string/blob a query may build or read

_ALLOWED_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
)
# Informational pragmas (their argument is a table or index name; none of them writes), as
# used by SQLAlchemy's inspector, and the one SQLAlchemy reads when it connects.
_INFO_PRAGMAS = frozenset(
    {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "database_list", "collation_list",
    }
)  # fmt: skip
_READ_PRAGMAS = frozenset({"read_uncommitted", "query_only"})


def _authorizer(action: int, arg1: str | None, arg2: str | None, db: str | None, src: str | None) -> int:
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if arg2 and is_denied_function(arg2) else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1:
        name = arg1.lower()
        if name in _INFO_PRAGMAS or (name in _READ_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class _ReadOnlySQLite(sqlite3.Connection):
    """A sqlite3 connection that cannot write, attach, load extensions or build huge values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA query_only = ON")
        self.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        self.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
        if hasattr(self, "enable_load_extension"):
            self.enable_load_extension(False)
        self.set_authorizer(_authorizer)


def sqlite_read_only_uri(database: str) -> str:
    """The `file:` URI that opens a database file read-only (never creating it)."""
    return f"{Path(database).expanduser().absolute().as_uri()}?mode=ro"


def _require_file(database: str) -> None:
    # Checked first: mode=ro would refuse a missing file too, but aiosqlite's failed-connect
    # path leaves its worker thread reporting to the event loop later.
    if not Path(database).expanduser().is_file():
        raise FileNotFoundError(f"no database file at {database}")


class SQLiteBackend:
    name: Backend = "sqlite"
    tables_sql = (
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
    )

    def create_engine(self, url: URL) -> AsyncEngine:
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            raise Invalid("a SQLite connector needs the path of a database file", code="sql_unsupported")
        uri = sqlite_read_only_uri(database)

        async def connect() -> Any:
            import aiosqlite

            _require_file(database)
            return await aiosqlite.connect(uri, uri=True, factory=_ReadOnlySQLite)

        return create_async_engine("sqlite+aiosqlite://", async_creator=connect, poolclass=NullPool)

    def on_server(self, conn: AsyncConnection) -> ReadOnlyBackend:
        return self

    def session_statements(self, timeout_ms: int) -> list[str]:
        return []  # the connection itself refuses writes; the timeout is the deadline below

    async def deadline(self, conn: AsyncConnection, timeout_s: float) -> Deadline:
        """Interrupt the query after `timeout_s`."""
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection  # the aiosqlite.Connection
        loop = asyncio.get_running_loop()
        state = {"fired": False}
        tasks: set[asyncio.Task[None]] = set()

        def fire() -> None:
            state["fired"] = True
            task = loop.create_task(driver.interrupt())  # type: ignore[union-attr]
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        @contextlib.contextmanager
        def deadline() -> Iterator[Callable[[], bool]]:
            handle = loop.call_later(timeout_s, fire)
            try:
                yield lambda: state["fired"]
            finally:
                handle.cancel()

        return deadline()

    def driver_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def is_timeout(self, orig: BaseException | None) -> bool:
        return False  # an interrupted query says "interrupted": the deadline tells it apart

    def is_read_only_violation(self, orig: BaseException | None, reason: str) -> bool:
        # the authorizer's refusal, and a write reaching the mode=ro file
        return reason.startswith(("not authorized", "attempt to write a readonly database"))


SQLITE: ReadOnlyBackend = SQLiteBackend()
