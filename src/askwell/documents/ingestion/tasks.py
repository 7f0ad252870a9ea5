"""The documents kind's background work: one job per document to ingest.

The job's key is the document id, so one document has at most one active job; an upload
that replaces a file being ingested makes that job run once more. A document left
unfinished with no active job (an older version's queue, a job row lost with a restored
database) is found by `find_orphans` and given a job again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.documents.ingestion.pipeline import IngestDeps, fail_document, ingest_document
from askwell.documents.models import Document, DocumentStatus
from askwell.jobs.base import JobContext, Task
from askwell.jobs.models import Job, JobState
from askwell.jobs.queue import JobQueue

INGEST = "ingest_document"


def ingest_task(deps: IngestDeps) -> Task:
    async def run(job: JobContext) -> None:
        await ingest_document(uuid.UUID(job.payload["document_id"]), deps)

    async def failed(job: JobContext, reason: str) -> None:
        await fail_document(deps, uuid.UUID(job.payload["document_id"]), reason)

    return Task(run=run, on_failure=failed)


async def enqueue_ingestion(
    jobs: JobQueue, session: AsyncSession, document_ids: Sequence[uuid.UUID], *, request_id: str | None = None
) -> list[uuid.UUID | None]:
    """Jobs for these documents in the caller's transaction; send them after the commit."""
    return [
        await jobs.enqueue(
            session,
            task=INGEST,
            key=str(document_id),
            payload={"document_id": str(document_id)},
            request_id=request_id,
        )
        for document_id in document_ids
    ]


def find_orphans(
    jobs: JobQueue, session_factory: Callable[[], AsyncSession]
) -> Callable[[], Awaitable[None]]:
    """A reconciler check: unfinished documents without an active job get one."""

    async def check() -> None:
        async with session_factory() as session:
            unfinished = set(
                await session.scalars(
                    select(Document.id).where(Document.status.in_(DocumentStatus.UNFINISHED)).limit(5000)
                )
            )
            if not unfinished:
                return
            keys = set(
                await session.scalars(
                    select(Job.key).where(Job.task == INGEST, Job.state.in_(JobState.ACTIVE))
                )
            )
            orphans = sorted(d for d in unfinished if str(d) not in keys)
            ids = await enqueue_ingestion(jobs, session, orphans)
            await session.commit()
        await jobs.send(ids)

    return check
