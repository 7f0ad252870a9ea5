"""PostgreSQL (asyncpg, the `askwell[postgres]` extra), read-only: sessions default to read-only;
each query runs in a transaction opened with `SET TRANSACTION READ ONLY` and
`SET LOCAL statement_timeout`, always rolled back. asyncpg sends one statement per Parse
message, so stacked statements fail."""

from __future__ import annotations

import contextlib

from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.sql.readonly.base import (
    CONNECT_TIMEOUT_S,
    SESSION_TIMEOUT_MS,
    Backend,
    Deadline,
    ReadOnlyBackend,
    no_deadline,
    sqlstate,
)

_QUERY_CANCELED = "57014"  # what statement_timeout raises
_READ_ONLY_SQL_TRANSACTION = "25006"


class PostgresBackend:
    name: Backend = "postgres"
    tables_sql = (
        "SELECT CASE WHEN table_schema = current_schema() THEN table_name "
        "ELSE table_schema || '.' || table_name END AS name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )

    def create_engine(self, url: URL) -> AsyncEngine:
        return create_async_engine(
            url.set(drivername="postgresql+asyncpg"),
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

    def on_server(self, conn: AsyncConnection) -> ReadOnlyBackend:
        return self

    def session_statements(self, timeout_ms: int) -> list[str]:
        return [
            "SET TRANSACTION READ ONLY",
            f"SET LOCAL statement_timeout = {timeout_ms}",
            f"SET LOCAL lock_timeout = {timeout_ms}",
            f"SET LOCAL idle_in_transaction_session_timeout = {timeout_ms + 5000}",
            # the guard renders standard strings: backslashes must not escape quotes
            "SET LOCAL standard_conforming_strings = on",
        ]

    async def deadline(self, conn: AsyncConnection, timeout_s: float) -> Deadline:
        return no_deadline()  # statement_timeout

    def driver_errors(self) -> tuple[type[Exception], ...]:
        with contextlib.suppress(ImportError):
            import asyncpg

            return (asyncpg.PostgresError, asyncpg.InterfaceError)
        return ()

    def is_timeout(self, orig: BaseException | None) -> bool:
        return bool(sqlstate(orig) == _QUERY_CANCELED)

    def is_read_only_violation(self, orig: BaseException | None, reason: str) -> bool:
        return bool(sqlstate(orig) == _READ_ONLY_SQL_TRANSACTION)


POSTGRES: ReadOnlyBackend = PostgresBackend()
