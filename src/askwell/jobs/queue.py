"""The job queue as the rest of Askwell sees it: enqueue in a transaction, send after commit.

    job_id = await jobs.enqueue(session, task="ingest_document", key=..., payload={...})
    await session.commit()
    await jobs.send([job_id])

Rows are the truth; the transport (in process, or a Redis stream) only carries ids. A
send that fails (Redis away) leaves the job queued: the reconciler sends it later.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.jobs import store
from askwell.jobs.base import Task, Transport
from askwell.jobs.models import Job
from askwell.jobs.reconciler import Reconciler

logger = logging.getLogger(__name__)


class JobQueue:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        transport: Transport,
        *,
        max_attempts: int,
        reconciler: Reconciler | None,
        tasks: dict[str, Task] | None = None,
    ) -> None:
        """`reconciler`: set where this process looks after lost jobs (the embedded queue, a
        worker); an API process that only sends to Redis leaves that to the workers."""
        self._sessions = session_factory
        self.transport = transport
        self._max_attempts = max_attempts
        self._reconciler = reconciler
        self.tasks: dict[str, Task] = tasks if tasks is not None else {}

    def register(self, tasks: Mapping[str, Task]) -> None:
        self.tasks.update(tasks)

    def add_check(self, check: Callable[[], Awaitable[None]]) -> None:
        """A domain's own look for work that has no job (documents left unfinished ...)."""
        if self._reconciler is not None:
            self._reconciler.checks.append(check)

    async def start(self) -> None:
        await self.transport.start()
        if self._reconciler is not None:
            self._reconciler.start()

    async def close(self) -> None:
        if self._reconciler is not None:
            await self._reconciler.stop()
        await self.transport.close()

    async def enqueue(
        self,
        session: AsyncSession,
        *,
        task: str,
        key: str,
        payload: dict[str, Any],
        request_id: str | None = None,
    ) -> uuid.UUID | None:
        """A job row in the caller's transaction (None: one is already active for `key`)."""
        return await store.enqueue(
            session,
            task=task,
            key=key,
            payload=payload,
            max_attempts=self._max_attempts,
            request_id=request_id,
        )

    async def send(self, job_ids: Sequence[uuid.UUID | None]) -> None:
        """Hand committed jobs to the transport; on failure they wait for the reconciler."""
        ids = [job_id for job_id in job_ids if job_id is not None]
        if not ids:
            return
        try:
            async with self._sessions() as session:
                await store.mark_sent(session, ids)
            await self.transport.send(ids)
        except Exception as exc:
            logger.warning(
                "Could not send %d job(s) now (%s); they stay queued", len(ids), type(exc).__name__
            )
            await self._unmark(ids)

    async def submit(self, *, task: str, key: str, payload: dict[str, Any]) -> uuid.UUID | None:
        """Enqueue in a transaction of its own, commit, send (the CLI, domain checks)."""
        async with self._sessions() as session:
            job_id = await self.enqueue(session, task=task, key=key, payload=payload)
            await session.commit()
        await self.send([job_id])
        return job_id

    async def ping(self) -> None:
        await self.transport.ping()

    async def join(self, timeout_s: float = 60.0) -> None:
        """Wait until no job is queued or running (tests, the CLI)."""
        async with asyncio.timeout(timeout_s):
            while True:
                async with self._sessions() as session:
                    counts = (await store.stats(session)).counts
                if not counts["queued"] and not counts["running"]:
                    return
                await asyncio.sleep(0.1)

    async def _unmark(self, ids: list[uuid.UUID]) -> None:
        try:
            async with self._sessions() as session:
                await session.execute(update(Job).where(Job.id.in_(ids)).values(sent_at=None))
                await session.commit()
        except Exception:  # the database too: the reconciler resends after its timeout anyway
            logger.warning("Could not mark %d job(s) unsent", len(ids))
