"""The long-lived objects of one server process: engine, sessions, memory, models."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from askwell.auth.security import signing_key
from askwell.chat.memory import MemoryStore, create_memory_store
from askwell.db import create_engine, create_session_factory, migrate
from askwell.llm.registry import ModelRegistry
from askwell.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    memory: MemoryStore
    models: ModelRegistry
    signing_key: str

    @classmethod
    async def start(cls, settings: Settings, *, run_migrations: bool = True) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url)
        if run_migrations:
            await migrate(engine)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            memory=create_memory_store(
                redis_url=settings.redis_url,
                max_sessions=settings.memory_max_sessions,
                ttl_s=settings.memory_ttl_s,
                timeout_s=settings.redis_timeout_s,
            ),
            models=ModelRegistry(settings),
            signing_key=signing_key(settings),
        )

    async def close(self) -> None:
        await self.memory.close()
        await self.engine.dispose()
