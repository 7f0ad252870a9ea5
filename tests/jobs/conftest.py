"""A migrated database (SQLite, and PostgreSQL when the test services are up) for the job tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.db import create_engine, create_session_factory, migrate


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate(engine)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
