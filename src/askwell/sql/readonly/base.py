"""What every read-only back-end provides, and the limits they share."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Backend = Literal["sqlite", "postgres", "mysql", "mariadb"]

CONNECT_TIMEOUT_S = 10.0
SESSION_TIMEOUT_MS = 60_000  # default statement timeout of a session (introspection included)

# A deadline is entered around the query; what it yields tells afterwards whether it fired.
Deadline = AbstractContextManager[Callable[[], bool]]


class ReadOnlyBackend(Protocol):
    """One database kind's read-only set-up: its engine, its per-query statements, its errors."""

    name: Backend
    tables_sql: str  # tables and views the connection can read, one name per row

    def create_engine(self, url: URL) -> AsyncEngine:
        """An engine whose every connection refuses writes (may raise ImportError for a driver)."""
        ...

    def on_server(self, conn: AsyncConnection) -> ReadOnlyBackend:
        """The set-up for the server a connection reached (a `mysql://` URL may reach MariaDB)."""
        ...

    def session_statements(self, timeout_ms: int) -> list[str]:
        """What runs before each query on a fresh transaction (`timeout_ms` >= 1)."""
        ...

    async def deadline(self, conn: AsyncConnection, timeout_s: float) -> Deadline:
        """A client-side stop for back-ends whose server has no statement timeout."""
        ...

    def driver_errors(self) -> tuple[type[Exception], ...]:
        """Base classes of the driver's own errors, raised past SQLAlchemy while fetching."""
        ...

    def is_timeout(self, orig: BaseException | None) -> bool:
        """Whether the driver error says the server stopped the query for running too long."""
        ...

    def is_read_only_violation(self, orig: BaseException | None, reason: str) -> bool:
        """Whether the driver error says the query tried to write."""
        ...


@contextlib.contextmanager
def no_deadline() -> Iterator[Callable[[], bool]]:
    """The deadline of a back-end whose server enforces the timeout itself."""
    yield lambda: False


def sqlstate(orig: BaseException | None) -> Any:
    """The SQLSTATE of a driver error or of the error it wraps (asyncpg), if any."""
    cause = getattr(orig, "__cause__", None) or orig
    return getattr(orig, "sqlstate", None) or getattr(cause, "sqlstate", None)


def first_arg(orig: BaseException | None) -> Any:
    """The first argument of a driver error (pymysql puts the error number there), if any."""
    args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
    return args[0] if args else None
