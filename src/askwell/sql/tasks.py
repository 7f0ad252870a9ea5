"""The SQL kind's background work: take a connector's schema snapshot.

A snapshot is taken when a connector is created or its URL changes (as a job, so the
request does not wait on a remote database), lazily by the first chat that finds none,
and on an admin's refresh. The reconciler's check gives a job to any SQL connector left
without a snapshot.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.connectors.models import Connector
from askwell.connectors.secrets import CredentialBox
from askwell.jobs.base import JobContext, JobFailed, Task
from askwell.jobs.models import Job
from askwell.jobs.queue import JobQueue
from askwell.sql.plan import KIND
from askwell.sql.service import refresh_schema

REFRESH = "refresh_schema"


def refresh_task(session_factory: async_sessionmaker[AsyncSession], box: CredentialBox) -> Task:
    async def run(job: JobContext) -> None:
        async with session_factory() as session:
            connector = await session.get(Connector, uuid.UUID(job.payload["connector_id"]))
            if connector is None:
                raise JobFailed("the connector was deleted")
            await refresh_schema(session=session, connector=connector, box=box)  # Unavailable: retried
            await session.commit()

    return Task(run=run)


async def enqueue_refresh(jobs: JobQueue, session: AsyncSession, connector_id: uuid.UUID) -> uuid.UUID | None:
    return await jobs.enqueue(
        session, task=REFRESH, key=str(connector_id), payload={"connector_id": str(connector_id)}
    )


def find_unsnapshotted(
    jobs: JobQueue, session_factory: async_sessionmaker[AsyncSession]
) -> Callable[[], Awaitable[None]]:
    """A reconciler check: SQL connectors without a snapshot, and with no job ever tried for it,
    get one (a job that failed is for the admin to retry, not for a loop)."""

    async def check() -> None:
        async with session_factory() as session:
            connectors = list(await session.scalars(select(Connector).where(Connector.type == KIND)))
            missing = [c.id for c in connectors if "schema" not in (c.config or {})]
            if not missing:
                return
            tried = set(await session.scalars(select(Job.key).where(Job.task == REFRESH)))
            ids = [await enqueue_refresh(jobs, session, c) for c in missing if str(c) not in tried]
            await session.commit()
        await jobs.send(ids)

    return check
