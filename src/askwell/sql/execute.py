"""Running a guarded query on a connector's database: read-only, time-boxed, row-capped.

Every layer refuses writes on its own, so a guard bug is not enough to change data:

- SQLite: the file is opened `mode=ro`, `PRAGMA query_only=ON`, no ATTACH (limit 0), values
  capped at 100 MB, and an authorizer that allows only SELECT, reads, recursive CTEs,
  informational PRAGMAs and functions off the guard's deny-list. A timer interrupts the query.
- PostgreSQL (asyncpg): sessions default to read-only; each query runs in a transaction opened
  with `SET TRANSACTION READ ONLY` and `SET LOCAL statement_timeout`, always rolled back.
  asyncpg sends one statement per Parse message, so stacked statements fail.
- MySQL (aiomysql, the `askwell[mysql]` extra): multi-statements switched off, sessions default
  to read-only, `SET SESSION MAX_EXECUTION_TIME` + `START TRANSACTION READ ONLY` ... ROLLBACK.

Connection URLs carry passwords: messages and logs show them masked, never raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import NullPool
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.errors import Invalid, Unavailable
from askwell.sql.guard import is_denied_function
from askwell.sql.jsonsafe import row_to_jsonable

logger = logging.getLogger(__name__)

Backend = Literal["sqlite", "postgres", "mysql", "mariadb"]

CONNECT_TIMEOUT_S = 10.0
SESSION_TIMEOUT_MS = 60_000  # default statement timeout of a session (introspection included)
SQLITE_MAX_LENGTH = 100_000_000  # largest string/blob a query may build or read
_GRACE_S = 2.0  # client-side deadline beyond the server's own timeout
_MAX_ENGINES = 32


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]  # JSON-safe (see jsonsafe.py)
    row_count: int
    truncated: bool  # more rows existed than max_rows
    elapsed_ms: float


# --- public API ----------------------------------------------------------------------------


async def run_read_only(url: str, sql: str, *, timeout_s: float, max_rows: int) -> QueryResult:
    """Run one query read-only and return at most `max_rows` rows.

    Args:
        url: the connector's SQLAlchemy URL (sqlite, postgresql or mysql; the driver is chosen here).
        sql: one statement, normally `GuardedQuery.sql`.
        timeout_s: the query is stopped after this long.
        max_rows: rows returned; one more is fetched to set `truncated`.

    Raises:
        Invalid: code "sql_timeout" when the query ran too long, "sql_error" with the database's
            message when it refused the query (the model can rewrite it from that message).
        Unavailable: code "sql_unavailable" when the database cannot be reached.
    """
    started = time.perf_counter()
    columns, rows = await _run(url, sql, timeout_s=timeout_s, limit=max_rows + 1)
    elapsed_ms = (time.perf_counter() - started) * 1000
    kept = [row_to_jsonable(r) for r in rows[:max_rows]]
    return QueryResult(
        columns=columns,
        rows=kept,
        row_count=len(kept),
        truncated=len(rows) > max_rows,
        elapsed_ms=round(elapsed_ms, 1),
    )


async def list_tables(url: str) -> list[str]:
    """Tables and views the connection can read: "name", or "schema.name" outside the default
    schema (PostgreSQL). System catalogs are left out."""
    backend = backend_of(url)
    _, rows = await _run(url, _TABLES_SQL[_family(backend)], timeout_s=15.0, limit=100_000)
    return [str(r[0]) for r in rows]


def backend_of(url: str) -> Backend:
    """The database kind of a URL; Invalid (code "sql_unsupported") for anything else."""
    name = _parse(url).get_backend_name()
    if name == "postgres":
        name = "postgresql"
    backends: dict[str, Backend] = {
        "sqlite": "sqlite",
        "postgresql": "postgres",
        "mysql": "mysql",
        "mariadb": "mariadb",
    }
    if name not in backends:
        raise Invalid(
            f"unsupported database {name!r}: use sqlite, postgresql or mysql", code="sql_unsupported"
        )
    return backends[name]


def mask_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def read_only_engine(url: str) -> AsyncEngine:
    """The cached read-only engine of a URL.

    Engines use NullPool: every query gets a fresh connection, so no session state (a role, a
    setting) outlives a query, and no pooled connection is tied to an event loop that has
    gone. That costs one connect per query (a few ms on a LAN), small next to a model call.
    """
    engine = _ENGINES.get(url)
    if engine is not None:
        _ENGINES.move_to_end(url)
        return engine
    engine = _create_engine(url)
    _ENGINES[url] = engine
    while len(_ENGINES) > _MAX_ENGINES:
        _ENGINES.popitem(last=False)  # NullPool: nothing to close
    return engine


async def dispose_engines() -> None:
    """Forget the cached engines (app shutdown, tests)."""
    engines = list(_ENGINES.values())
    _ENGINES.clear()
    for engine in engines:
        await engine.dispose()


def session_statements(backend: Backend, timeout_ms: int) -> list[str]:
    """What runs before each query on a fresh transaction (none for SQLite: see the module doc)."""
    timeout_ms = max(1, int(timeout_ms))
    if backend == "postgres":
        return [
            "SET TRANSACTION READ ONLY",
            f"SET LOCAL statement_timeout = {timeout_ms}",
            f"SET LOCAL lock_timeout = {timeout_ms}",
            f"SET LOCAL idle_in_transaction_session_timeout = {timeout_ms + 5000}",
            # the guard renders standard strings: backslashes must not escape quotes
            "SET LOCAL standard_conforming_strings = on",
        ]
    if backend == "mysql":
        return [f"SET SESSION MAX_EXECUTION_TIME = {timeout_ms}", "START TRANSACTION READ ONLY"]
    if backend == "mariadb":
        return [f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}", "START TRANSACTION READ ONLY"]
    return []


# --- running -------------------------------------------------------------------------------

_TABLES_SQL = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
    ),
    "postgres": (
        "SELECT CASE WHEN table_schema = current_schema() THEN table_name "
        "ELSE table_schema || '.' || table_name END AS name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    ),
    "mysql": ("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"),
}


async def _run(url: str, sql: str, *, timeout_s: float, limit: int) -> tuple[list[str], list[Any]]:
    backend = backend_of(url)
    engine = read_only_engine(url)
    statements = session_statements(backend, int(timeout_s * 1000))
    conn = await _connect(engine, url)
    interrupted = False
    try:
        deadline = await _sqlite_deadline(conn, timeout_s) if backend == "sqlite" else _no_deadline()
        async with asyncio.timeout(timeout_s + _GRACE_S):
            with deadline as fired:
                try:
                    return await conn.run_sync(_fetch, sql, statements, limit)
                finally:
                    interrupted = fired()
    except TimeoutError:
        with contextlib.suppress(SQLAlchemyError, OSError):
            await conn.invalidate()
        raise _timeout(timeout_s) from None
    except DBAPIError as exc:
        raise _query_error(exc, exc.orig, url, timeout_s, interrupted) from None
    except _driver_errors() as exc:
        # Server-side cursors (asyncpg) let the driver's own error out while fetching.
        raise _query_error(exc, exc, url, timeout_s, interrupted) from None
    finally:
        with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
            async with asyncio.timeout(_GRACE_S + 3):
                await conn.close()  # rolls back


def _fetch(conn: Connection, sql: str, statements: list[str], limit: int) -> tuple[list[str], list[Any]]:
    options = {"no_parameters": True}  # no %-formatting by pymysql, no bind parsing
    for statement in statements:
        conn.exec_driver_sql(statement, execution_options=options)
    result = conn.exec_driver_sql(
        sql, execution_options={**options, "stream_results": True, "max_row_buffer": min(limit, 1000)}
    )
    try:
        if not result.returns_rows:
            return [], []
        return list(result.keys()), list(result.fetchmany(limit))
    finally:
        result.close()


async def _connect(engine: AsyncEngine, url: str) -> AsyncConnection:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S + _GRACE_S):
            return await engine.connect()
    except Invalid:
        raise
    # Drivers raise their own types while connecting (OSError, asyncpg.PostgresError,
    # pymysql.err.Error, sqlite3.Error, ImportError of a missing driver ...): one answer for all.
    except Exception as exc:
        reason = _reason(exc, url)
        logger.warning("cannot connect to %s: %s", mask_url(url), reason)
        raise Unavailable(
            f"could not connect to the database {mask_url(url)}: {reason}", code="sql_unavailable"
        ) from None


@contextlib.contextmanager
def _no_deadline() -> Iterator[Callable[[], bool]]:
    yield lambda: False


async def _sqlite_deadline(conn: AsyncConnection, timeout_s: float) -> contextlib.AbstractContextManager[Any]:
    """Interrupt the SQLite query after `timeout_s` (sqlite3's interrupt() is thread-safe)."""
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


def _timeout(timeout_s: float) -> Invalid:
    return Invalid(
        f"the query ran longer than {timeout_s:g} s and was stopped: make it cheaper "
        "(filter earlier, aggregate, avoid cross joins and unbounded recursion)",
        code="sql_timeout",
    )


def _driver_errors() -> tuple[type[Exception], ...]:
    """The base error classes of the installed drivers."""
    errors: list[type[Exception]] = [sqlite3.Error]
    with contextlib.suppress(ImportError):
        import asyncpg

        errors += [asyncpg.PostgresError, asyncpg.InterfaceError]
    with contextlib.suppress(ImportError):
        import pymysql

        errors.append(pymysql.err.Error)
    return tuple(errors)


def _query_error(
    exc: Exception, orig: BaseException | None, url: str, timeout_s: float, interrupted: bool
) -> Exception:
    if interrupted or _is_timeout(orig):
        return _timeout(timeout_s)
    reason = _reason(exc, url)
    if getattr(exc, "connection_invalidated", False):
        logger.warning("lost the connection to %s: %s", mask_url(url), reason)
        return Unavailable(f"lost the connection to the database: {reason}", code="sql_unavailable")
    if _is_read_only_violation(orig, reason):
        reason += " (the connection is read-only: only SELECT queries run)"
    return Invalid(f"the database refused the query: {reason}", code="sql_error")


def _is_read_only_violation(orig: BaseException | None, reason: str) -> bool:
    cause = getattr(orig, "__cause__", None) or orig
    if (getattr(orig, "sqlstate", None) or getattr(cause, "sqlstate", None)) == "25006":
        return True  # PostgreSQL read_only_sql_transaction
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    if args and args[0] == 1792:  # MySQL: cannot execute statement in a READ ONLY transaction
        return True
    return reason.startswith(("not authorized", "attempt to write a readonly database"))


def _is_timeout(orig: BaseException | None) -> bool:
    if orig is None:
        return False
    cause = orig.__cause__ or orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
    if sqlstate == "57014":  # PostgreSQL query_canceled (statement_timeout)
        return True
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    # MySQL 3024 max_execution_time exceeded, 1317 interrupted; MariaDB 1969 max_statement_time
    return bool(args) and args[0] in (3024, 1317, 1969)


def _reason(exc: BaseException, url: str) -> str:
    """The driver's message, first lines only, with the password scrubbed."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    lines = [line for line in text.splitlines() if line.strip()][:3]
    text = " ".join(line.strip() for line in lines)
    with contextlib.suppress(ArgumentError):
        password = make_url(url).password
        if password and len(str(password)) >= 3:
            text = text.replace(str(password), "***")
    return text[:1000]


# --- engines -------------------------------------------------------------------------------

_ENGINES: OrderedDict[str, AsyncEngine] = OrderedDict()


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        # the text may hold a password: never echo it
        raise Invalid("the connection URL is not a valid SQLAlchemy URL", code="sql_unsupported") from None


def _family(backend: Backend) -> Literal["sqlite", "postgres", "mysql"]:
    return "mysql" if backend == "mariadb" else backend


def _create_engine(url: str) -> AsyncEngine:
    try:
        return _create_engine_for(_parse(url), backend_of(url))
    except ImportError as exc:
        extra = "mysql" if "mysql" in str(exc) else "postgres"
        raise Unavailable(
            f"the database driver is not installed ({exc.name or exc}): pip install 'askwell[{extra}]'",
            code="sql_unavailable",
        ) from None


def _create_engine_for(parsed: URL, backend: Backend) -> AsyncEngine:
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgres":
        return create_async_engine(
            parsed.set(drivername="postgresql+asyncpg"),
            poolclass=NullPool,
            connect_args={
                "timeout": CONNECT_TIMEOUT_S,
                "server_settings": {
                    "default_transaction_read_only": "on",
                    "statement_timeout": str(SESSION_TIMEOUT_MS),
                    "application_name": "askwell-sql",
                },
            },
        )
    return _mysql_engine(parsed, backend)


# SQLite -------------------------------------------------------------------------------------

_SQLITE_ALLOWED_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
)
# Informational pragmas (their argument is a table or index name; none of them writes), as
# used by SQLAlchemy's inspector, and the one SQLAlchemy reads when it connects.
_SQLITE_INFO_PRAGMAS = frozenset(
    {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "database_list", "collation_list",
    }
)  # fmt: skip
_SQLITE_READ_PRAGMAS = frozenset({"read_uncommitted", "query_only"})


def _sqlite_authorizer(
    action: int, arg1: str | None, arg2: str | None, db: str | None, src: str | None
) -> int:
    if action in _SQLITE_ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if arg2 and is_denied_function(arg2) else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1:
        name = arg1.lower()
        if name in _SQLITE_INFO_PRAGMAS or (name in _SQLITE_READ_PRAGMAS and arg2 is None):
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
        self.set_authorizer(_sqlite_authorizer)


def sqlite_read_only_uri(database: str) -> str:
    """The `file:` URI that opens a database file read-only (never creating it)."""
    return f"{Path(database).expanduser().absolute().as_uri()}?mode=ro"


def _require_file(database: str) -> None:
    # Checked first: mode=ro would refuse a missing file too, but aiosqlite's failed-connect
    # path leaves its worker thread reporting to the event loop later.
    if not Path(database).expanduser().is_file():
        raise FileNotFoundError(f"no database file at {database}")


def _sqlite_engine(url: URL) -> AsyncEngine:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise Invalid("a SQLite connector needs the path of a database file", code="sql_unsupported")
    uri = sqlite_read_only_uri(database)

    async def connect() -> Any:
        import aiosqlite

        _require_file(database)
        return await aiosqlite.connect(uri, uri=True, factory=_ReadOnlySQLite)

    return create_async_engine("sqlite+aiosqlite://", async_creator=connect, poolclass=NullPool)


# MySQL / MariaDB -----------------------------------------------------------------------------


def mysql_connect_kwargs(url: URL, backend: Backend) -> dict[str, Any]:
    """aiomysql.Connection arguments: read-only sessions with a default execution-time cap."""
    if backend == "mariadb":
        init = f"SET SESSION tx_read_only = 1, SESSION max_statement_time = {SESSION_TIMEOUT_MS / 1000:g}"
    else:
        init = f"SET SESSION transaction_read_only = ON, SESSION max_execution_time = {SESSION_TIMEOUT_MS}"
    return {
        "host": url.host or "localhost",
        "port": url.port or 3306,
        "user": url.username or "",
        "password": url.password or "",
        "db": url.database,
        "charset": str(url.query.get("charset") or "utf8mb4"),
        "connect_timeout": CONNECT_TIMEOUT_S,
        "autocommit": False,
        "local_infile": False,
        "init_command": init,
    }


def mysql_connection(**kwargs: Any) -> Any:
    """An unconnected aiomysql.Connection with multi-statements off (aiomysql always asks for
    them, so `SELECT 1; DROP TABLE t` would otherwise run both)."""
    import aiomysql
    from pymysql.constants import CLIENT

    conn = aiomysql.Connection(**kwargs)
    conn.client_flag &= ~CLIENT.MULTI_STATEMENTS
    return conn


def _mysql_engine(url: URL, backend: Backend) -> AsyncEngine:
    kwargs = mysql_connect_kwargs(url, backend)

    async def connect() -> Any:
        conn = mysql_connection(**kwargs)
        try:
            await conn._connect()  # what aiomysql.connect() does after building the object
        except BaseException:
            conn.close()
            raise
        return conn

    return create_async_engine(
        "mysql+aiomysql://",
        async_creator=connect,
        poolclass=NullPool,
    )
