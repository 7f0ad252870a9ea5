"""MySQL and MariaDB (aiomysql, the `askwell[mysql]` extra), read-only: multi-statements switched
off, LOCAL INFILE off, sessions default to read-only, and each query runs after
`SET SESSION MAX_EXECUTION_TIME` (MariaDB: `max_statement_time`) + `START TRANSACTION READ ONLY`
... ROLLBACK.

Which of the two a server is, is read from the server when connecting, not from the URL: a
`mysql://` URL often points at MariaDB, which knows neither `transaction_read_only` (before 11.1)
nor `max_execution_time`, so the URL's name alone would fail every connection.

A read-only transaction does not stop `SELECT ... INTO OUTFILE` or `LOAD_FILE()`: they need the
FILE privilege, not a write. An account holding it on a server whose `secure_file_priv` does not
confine it to one folder could write and read any file the server can, so it is refused when
connecting (the guard refuses those queries too; this holds if it ever missed one).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Literal

from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.errors import Invalid
from askwell.sql.readonly.base import (
    CONNECT_TIMEOUT_S,
    SESSION_TIMEOUT_MS,
    Backend,
    Deadline,
    ReadOnlyBackend,
    first_arg,
)

# MySQL 3024 max_execution_time exceeded, 1317 interrupted; MariaDB 1969 max_statement_time
_TIMEOUT_ERRORS = (3024, 1317, 1969)
_READ_ONLY_TRANSACTION = 1792  # cannot execute statement in a READ ONLY transaction

_KILL_AFTER_S = 0.5  # past the server's cap: the server normally stops the query itself first

_FILE_ACCESS_SQL = (
    "SELECT @@secure_file_priv, EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES "
    "WHERE PRIVILEGE_TYPE = 'FILE')"
)


def session_init(mariadb: bool) -> str:
    """What runs first on every connection: read-only by default, with an execution-time cap."""
    if mariadb:
        return f"SET SESSION tx_read_only = 1, SESSION max_statement_time = {SESSION_TIMEOUT_MS / 1000:g}"
    return f"SET SESSION transaction_read_only = ON, SESSION max_execution_time = {SESSION_TIMEOUT_MS}"


def is_mariadb(server_version: str) -> bool:
    """Whether a server's version string is MariaDB's ("10.11.6-MariaDB-0+deb12u1", "5.5.5-10...")."""
    return "mariadb" in server_version.lower()


def files_unconfined(secure_file_priv: str | None, mariadb: bool) -> bool:
    """Whether `secure_file_priv` lets FILE reach any file: empty, or (MariaDB only) unset.
    MySQL's NULL switches file access off; a folder confines it there."""
    return secure_file_priv == "" or (secure_file_priv is None and mariadb)


def mysql_connect_kwargs(url: URL, backend: Backend) -> dict[str, Any]:
    """aiomysql.Connection arguments (the session set-up runs after connecting: see `connect`)."""
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
    }


def mysql_connection(**kwargs: Any) -> Any:
    """An unconnected aiomysql.Connection with multi-statements off (aiomysql always asks for
    them, so `SELECT 1; DROP TABLE t` would otherwise run both)."""
    import aiomysql
    from pymysql.constants import CLIENT

    conn = aiomysql.Connection(**kwargs)
    conn.client_flag &= ~CLIENT.MULTI_STATEMENTS
    return conn


async def prepare_session(conn: Any) -> None:
    """Make a fresh aiomysql connection read-only and time-capped, for the server it reached;
    Invalid (code "sql_unsafe_account") when its account could read or write server files."""
    mariadb = is_mariadb(conn.get_server_info())
    async with conn.cursor() as cursor:
        await cursor.execute(session_init(mariadb))
        await cursor.execute(_FILE_ACCESS_SQL)
        secure_file_priv, has_file = await cursor.fetchone()
    if has_file and files_unconfined(secure_file_priv, mariadb):
        raise Invalid(
            "the database account holds the FILE privilege and the server's secure_file_priv "
            "does not confine it, so any query could read or write files on the database server: "
            "connect with an account without FILE (GRANT SELECT ON yourdb.* TO ...), "
            "or set secure_file_priv to a folder",
            code="sql_unsafe_account",
        )


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
                await prepare_session(conn)
            except BaseException:
                conn.close()
                raise
            return conn

        return create_async_engine("mysql+aiomysql://", async_creator=connect, poolclass=NullPool)

    def on_server(self, conn: AsyncConnection) -> ReadOnlyBackend:
        """MariaDB's set-up when a `mysql://` URL reached MariaDB (and the converse)."""
        return MARIADB if conn.dialect.is_mariadb else MYSQL  # type: ignore[attr-defined]

    def session_statements(self, timeout_ms: int) -> list[str]:
        if self.name == "mariadb":
            return [
                f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}",
                "START TRANSACTION READ ONLY",
            ]
        return [f"SET SESSION MAX_EXECUTION_TIME = {timeout_ms}", "START TRANSACTION READ ONLY"]

    async def deadline(self, conn: AsyncConnection, timeout_s: float) -> Deadline:
        """KILL QUERY from a second connection if the query outlives the server's own cap.

        A query can lift that cap for itself (MariaDB's `SET STATEMENT max_statement_time = 0
        FOR ...`, MySQL's `/*+ MAX_EXECUTION_TIME(...) */` hint); dropping the client
        connection would leave it running on the server, so the server is told to stop it.
        """
        raw = await conn.get_raw_connection()
        thread_id = int(raw.driver_connection.thread_id())  # type: ignore[union-attr]
        engine = conn.engine
        loop = asyncio.get_running_loop()
        state = {"fired": False}
        tasks: set[asyncio.Task[None]] = set()

        async def kill() -> None:
            with contextlib.suppress(SQLAlchemyError, OSError, Invalid, *self.driver_errors()):
                async with engine.connect() as killer:
                    await killer.exec_driver_sql(f"KILL QUERY {thread_id}")

        def fire() -> None:
            state["fired"] = True
            task = loop.create_task(kill())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        @contextlib.contextmanager
        def deadline() -> Iterator[Callable[[], bool]]:
            handle = loop.call_later(timeout_s + _KILL_AFTER_S, fire)
            try:
                yield lambda: state["fired"]
            finally:
                handle.cancel()

        return deadline()

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
