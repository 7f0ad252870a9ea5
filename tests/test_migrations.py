"""Alembic migrations on SQLite and PostgreSQL: they build exactly the models' schema,
are idempotent, and go down and up again cleanly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.db import create_engine, downgrade, is_managed_outside_models, migrate
from askwell.models import metadata

MODEL_TABLES = {
    "users",
    "assistants",
    "chat_sessions",
    "chat_messages",
    "connectors",
    "documents",
    "chunks",
    "jobs",
    "stored_files",
    "stored_file_chunks",
    "api_keys",
    "api_key_sessions",
    "message_feedback",
    "eval_sets",
    "eval_runs",
    "eval_results",
}
HEAD = "0010_evaluation"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        names = set(await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names()))
    return {name for name in names if not is_managed_outside_models(name, "table")}


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
        )


def _schema_diff(sync_conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        sync_conn,
        opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, *_: not is_managed_outside_models(name, type_),
        },
    )
    return list(compare_metadata(context, metadata))


async def test_upgrade_creates_every_table(engine: AsyncEngine) -> None:
    assert await table_names(engine) == set()
    await migrate(engine)
    assert await table_names(engine) == MODEL_TABLES | {"alembic_version"}
    assert set(metadata.tables) == MODEL_TABLES  # the test's list is the models' list
    assert await current_revision(engine) == HEAD


async def test_upgrade_twice_is_a_no_op(engine: AsyncEngine) -> None:
    await migrate(engine)
    user_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at) "
                "VALUES (:id, 'kept@example.org', '', 'x', 'member', :active, CURRENT_TIMESTAMP)"
            ),
            # SQLite stores sa.Uuid as 32 hex characters; PostgreSQL takes the UUID itself.
            {"id": user_id.hex if engine.dialect.name == "sqlite" else user_id, "active": True},
        )
    await migrate(engine)
    assert await current_revision(engine) == HEAD
    async with engine.connect() as conn:
        emails = (await conn.execute(text("SELECT email FROM users"))).scalars().all()
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert emails == ["kept@example.org"]  # the second run did not rebuild the tables
    assert versions == [HEAD]


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)
    assert diff == []


async def test_downgrade_to_base_then_upgrade_again(engine: AsyncEngine) -> None:
    await migrate(engine)
    await downgrade(engine, "base")
    assert await table_names(engine) - {"alembic_version"} == set()
    assert await current_revision(engine) is None

    await migrate(engine)
    assert await table_names(engine) == MODEL_TABLES | {"alembic_version"}
    assert await current_revision(engine) == HEAD
    async with engine.connect() as conn:
        assert await conn.run_sync(_schema_diff) == []
