"""Database plumbing: the declarative Base, the async engine, and migrations on start-up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import PoolResetState
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def is_managed_outside_models(name: str | None, type_: str) -> bool:
    """Schema objects the migrations create by hand, unknown to the ORM models.

    The SQLite FTS5 table (and its shadow tables), PostgreSQL's generated tsvector and
    the expression/partial indexes for full-text and vector search. Alembic's
    autogenerate comparison skips them.
    """
    if name is None:
        return False
    if type_ == "table":
        return name.startswith("chunks_fts")
    if type_ == "column":
        return name == "search_vector"
    if type_ == "index":
        return name == "ix_chunks_search_vector" or name.startswith("ix_chunks_embedding_")
    return False


def create_engine(url: str) -> AsyncEngine:
    """An async engine.

    SQLite gets one pooled connection: SQLite runs one writer at a time anyway, and queueing
    for the connection in the pool (async, FIFO) replaced its busy-handler back-off, which
    sleeps up to 100 ms a retry and gave multi-second outliers under 50 concurrent chats.
    PostgreSQL skips pre-ping (three round trips a checkout); dead connections are recycled
    by the pool's error handling instead.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            pool_reset_on_return=None,  # _sqlite_reset does it, only when needed
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
        return engine
    return create_async_engine(url, pool_size=20, max_overflow=20, pool_recycle=1800)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
    """Roll back a connection returned to the pool only when SQLite has a transaction open.

    The pool's default reset rolls back every connection it gets back, even right after a
    COMMIT: with aiosqlite that is one more round trip to the driver's thread per unit of
    work (three a chat). SQLite itself says whether a transaction is open (a flag read,
    no round trip); when that cannot be read, roll back as the default reset would.
    """
    if not state.asyncio_safe:
        return  # garbage collection: the pool detaches the connection, as by default
    driver = getattr(record, "driver_connection", None)  # the aiosqlite connection
    if getattr(driver, "in_transaction", True):
        dbapi_connection.rollback()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py runs on this connection instead of opening its own engine.
    config.attributes["connection"] = connection
    return config


_MIGRATION_LOCK = 0x61736B77  # "askw": one PostgreSQL advisory lock for every Askwell process


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (idempotent).

    On PostgreSQL an advisory lock makes processes that start together (API processes and
    workers) migrate one after the other: the later ones find the schema up to date.
    """
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        await conn.run_sync(lambda sync_conn: command.upgrade(_alembic_config(sync_conn), revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.downgrade(_alembic_config(sync_conn), revision))
