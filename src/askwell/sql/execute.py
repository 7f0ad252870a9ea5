"""Running a guarded query on a connector's database: read-only, time-boxed, row-capped.

Every layer refuses writes on its own, so a guard bug is not enough to change data: how each
database kind's connections refuse writes lives in `askwell.sql.readonly` (one module per kind).
This module runs one query on such a connection, within a client-side deadline, and turns the
driver's errors into Invalid / Unavailable with messages the model can act on.

Connection URLs carry passwords: messages and logs show them masked, never raw (`redact.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from askwell.errors import Invalid, Unavailable
from askwell.sql.jsonsafe import row_to_jsonable
from askwell.sql.readonly import backend, backend_of, dispose_engines, read_only_engine
from askwell.sql.readonly.base import CONNECT_TIMEOUT_S, SESSION_TIMEOUT_MS, Backend, ReadOnlyBackend
from askwell.sql.readonly.mysql import mysql_connect_kwargs, mysql_connection
from askwell.sql.readonly.sqlite import SQLITE_MAX_LENGTH, sqlite_read_only_uri
from askwell.sql.redact import driver_message, mask_url

__all__ = [
    "CONNECT_TIMEOUT_S",
    "SESSION_TIMEOUT_MS",
    "SQLITE_MAX_LENGTH",
    "Backend",
    "QueryResult",
    "backend_of",
    "bad_url_parameter",
    "dispose_engines",
    "list_tables",
    "mask_url",
    "mysql_connect_kwargs",
    "mysql_connection",
    "read_only_engine",
    "run_read_only",
    "session_statements",
    "sqlite_read_only_uri",
]

logger = logging.getLogger(__name__)

_GRACE_S = 2.0  # client-side deadline beyond the server's own timeout


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]  # JSON-safe (see jsonsafe.py)
    row_count: int
    truncated: bool  # more rows existed than max_rows
    elapsed_ms: float


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
    _, rows = await _run(url, backend(backend_of(url)).tables_sql, timeout_s=15.0, limit=100_000)
    return [str(r[0]) for r in rows]


def session_statements(kind: Backend, timeout_ms: int) -> list[str]:
    """What runs before each query on a fresh transaction (none for SQLite: see readonly/sqlite.py)."""
    return backend(kind).session_statements(max(1, int(timeout_ms)))


# --- running -------------------------------------------------------------------------------


async def _run(url: str, sql: str, *, timeout_s: float, limit: int) -> tuple[list[str], list[Any]]:
    kind = backend(backend_of(url))
    conn = await _connect(read_only_engine(url), url)
    kind = kind.on_server(conn)
    statements = kind.session_statements(max(1, int(timeout_s * 1000)))
    interrupted = False
    try:
        deadline = await kind.deadline(conn, timeout_s)
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
        raise _query_error(kind, exc, exc.orig, url, timeout_s, interrupted) from None
    except kind.driver_errors() as exc:
        # Server-side cursors (asyncpg) let the driver's own error out while fetching.
        raise _query_error(kind, exc, exc, url, timeout_s, interrupted) from None
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
    except TypeError as exc:
        raise bad_url_parameter(exc, url) from None
    # Drivers raise their own types while connecting (OSError, asyncpg.PostgresError,
    # pymysql.err.Error, sqlite3.Error, ImportError of a missing driver ...): one answer for all.
    except Exception as exc:
        reason = driver_message(exc, url)
        logger.warning("cannot connect to %s: %s", mask_url(url), reason)
        raise Unavailable(
            f"could not connect to the database {mask_url(url)}: {reason}", code="sql_unavailable"
        ) from None


# --- errors --------------------------------------------------------------------------------


def bad_url_parameter(exc: TypeError, url: str) -> Invalid:
    """The driver refused a parameter of the URL's query string: SQLAlchemy passes them to the
    driver's connect() as keywords, and an unknown one (asyncpg and `?sslpassword=`) is a
    TypeError there. The admin's URL is wrong, the database is not down."""
    return Invalid(
        f"The database driver rejected a parameter of the connection URL {mask_url(url)}: "
        f"{driver_message(exc, url)[:300]}; remove or rename it",
        code="invalid_url",
    )


def _timeout(timeout_s: float) -> Invalid:
    return Invalid(
        f"the query ran longer than {timeout_s:g} s and was stopped: make it cheaper "
        "(filter earlier, aggregate, avoid cross joins and unbounded recursion)",
        code="sql_timeout",
    )


def _query_error(
    kind: ReadOnlyBackend,
    exc: Exception,
    orig: BaseException | None,
    url: str,
    timeout_s: float,
    interrupted: bool,
) -> Exception:
    if interrupted or kind.is_timeout(orig):
        return _timeout(timeout_s)
    reason = driver_message(exc, url)
    if getattr(exc, "connection_invalidated", False):
        logger.warning("lost the connection to %s: %s", mask_url(url), reason)
        return Unavailable(f"lost the connection to the database: {reason}", code="sql_unavailable")
    if kind.is_read_only_violation(orig, reason):
        reason += " (the connection is read-only: only SELECT queries run)"
    return Invalid(f"the database refused the query: {reason}", code="sql_error")
