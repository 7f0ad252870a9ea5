"""MySQL and MariaDB (aiomysql, the `askwell[mysql]` extra), read-only: multi-statements switched
off, sessions default to read-only, and each query runs after `SET SESSION MAX_EXECUTION_TIME`
(MariaDB: `max_statement_time`) + `START TRANSACTION READ ONLY` ... ROLLBACK."""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.sql.readonly.base import (
    CONNECT_TIMEOUT_S,
    SESSION_TIMEOUT_MS,
    Backend,
    Deadline,
    ReadOnlyBackend,
    first_arg,
    no_deadline,
)

# MySQL 3024 max_execution_time exceeded, 1317 interrupted; MariaDB 1969 max_statement_time
_TIMEOUT_ERRORS = (3024, 1317, 1969)
_READ_ONLY_TRANSACTION = 1792  # cannot execute statement in a READ ONLY transaction


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


class MySQLBackend:
    """MySQL, or MariaDB, whose timeout setting has another name and unit."""

    tables_sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"

    def __init__(self, name: Literal["mysql", "mariadb"]) -> None:
        self.name: Backend = name

    def create_engine(self, url: URL) -> AsyncEngine:
        kwargs = mysql_connect_kwargs(url, self.name)

        async def connect() -> Any:
            conn = mysql_connection(**kwargs)
            try:
                await conn._connect()  # what aiomysql.connect() does after building the object
            except BaseException:
                conn.close()
                raise
            return conn

        return create_async_engine("mysql+aiomysql://", async_creator=connect, poolclass=NullPool)

    def session_statements(self, timeout_ms: int) -> list[str]:
        if self.name == "mariadb":
            return [
                f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}",
                "START TRANSACTION READ ONLY",
            ]
        return [f"SET SESSION MAX_EXECUTION_TIME = {timeout_ms}", "START TRANSACTION READ ONLY"]

    async def deadline(self, conn: AsyncConnection, timeout_s: float) -> Deadline:
        return no_deadline()  # MAX_EXECUTION_TIME / max_statement_time

    def driver_errors(self) -> tuple[type[Exception], ...]:
        with contextlib.suppress(ImportError):
            import pymysql

            return (pymysql.err.Error,)
        return ()

    def is_timeout(self, orig: BaseException | None) -> bool:
        return bool(first_arg(orig) in _TIMEOUT_ERRORS)

    def is_read_only_violation(self, orig: BaseException | None, reason: str) -> bool:
        return bool(first_arg(orig) == _READ_ONLY_TRANSACTION)


MYSQL: ReadOnlyBackend = MySQLBackend("mysql")
MARIADB: ReadOnlyBackend = MySQLBackend("mariadb")
