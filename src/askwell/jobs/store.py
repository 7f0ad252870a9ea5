"""Job rows: enqueue, claim, heartbeat, finish; what is due for (re)sending; admin views.

Every change of state is one UPDATE guarded by the state it expects, so two workers that
received the same job id cannot both run it, and a late heartbeat or finish from a worker
that lost its claim changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.db import utcnow
from askwell.jobs.base import JobContext
from askwell.jobs.models import Job, JobState
from askwell.redaction import redact


async def enqueue(
    session: AsyncSession,
    *,
    task: str,
    key: str,
    payload: dict[str, Any],
    max_attempts: int,
    request_id: str | None = None,
) -> uuid.UUID | None:
    """A new job for `key`, in the caller's transaction; None when one is already active.

    A job already running for the same key is marked to run once more when it ends (the
    work it read may have changed); one still queued will see the latest state anyway.
    """
    now = utcnow()
    running = await session.execute(
        update(Job)
        .where(Job.task == task, Job.key == key, Job.state == JobState.RUNNING)
        .values(rerun=True, payload=payload, updated_at=now)
    )
    if running.rowcount:  # type: ignore[attr-defined]
        return None
    queued = await session.scalar(
        select(Job.id).where(Job.task == task, Job.key == key, Job.state == JobState.QUEUED).limit(1)
    )
    if queued is not None:
        return None
    job = Job(
        id=uuid.uuid4(),
        task=task,
        key=key,
        payload=payload,
        state=JobState.QUEUED,
        max_attempts=max_attempts,
        run_after=now,
        request_id=request_id,
        updated_at=now,
    )
    session.add(job)
    await session.flush()
    return job.id


async def claim(
    session: AsyncSession, job_id: uuid.UUID, *, worker: str, stale_after_s: float
) -> JobContext | None:
    """Take the job to run it: a queued job that is due, or a running one whose worker stopped
    sending heartbeats. None when it is done, failed, not yet due, or alive elsewhere."""
    now = utcnow()
    stale = now - timedelta(seconds=stale_after_s)
    row = (
        await session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    and_(Job.state == JobState.QUEUED, Job.run_after <= now),
                    and_(
                        Job.state == JobState.RUNNING,
                        or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale),
                    ),
                ),
            )
            .values(
                state=JobState.RUNNING,
                attempts=Job.attempts + 1,
                heartbeat_at=now,
                started_at=now,
                worker=worker,
                updated_at=now,
            )
            .returning(Job.task, Job.key, Job.payload, Job.attempts, Job.max_attempts, Job.request_id)
        )
    ).one_or_none()
    await session.commit()
    if row is None:
        return None
    return JobContext(
        job_id=job_id,
        task=row.task,
        key=row.key,
        payload=dict(row.payload or {}),
        attempt=row.attempts,
        max_attempts=row.max_attempts,
        request_id=row.request_id,
    )


async def heartbeat(session: AsyncSession, job_id: uuid.UUID, *, worker: str) -> bool:
    """Keep the claim alive; False when it was lost (another worker took it over)."""
    now = utcnow()
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.worker == worker)
        .values(heartbeat_at=now)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, job_id: uuid.UUID, *, worker: str) -> bool:
    """Done; or queued again at once when it was asked for while running. True: send it again."""
    now = utcnow()
    mine = (Job.id == job_id, Job.state == JobState.RUNNING, Job.worker == worker)
    again = await session.execute(
        update(Job)
        .where(*mine, Job.rerun.is_(True))
        .values(
            state=JobState.QUEUED,
            rerun=False,
            attempts=0,
            run_after=now,
            sent_at=None,
            heartbeat_at=None,
            last_error=None,
            updated_at=now,
        )
    )
    if not again.rowcount:  # type: ignore[attr-defined]
        await session.execute(
            update(Job)
            .where(*mine)
            .values(state=JobState.DONE, finished_at=now, heartbeat_at=None, last_error=None, updated_at=now)
        )
    await session.commit()
    return bool(again.rowcount)  # type: ignore[attr-defined]


async def retry_later(
    session: AsyncSession, job_id: uuid.UUID, *, worker: str, reason: str, delay_s: float
) -> None:
    now = utcnow()
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.worker == worker)
        .values(
            state=JobState.QUEUED,
            run_after=now + timedelta(seconds=delay_s),
            sent_at=None,
            heartbeat_at=None,
            last_error=redact(reason),
            updated_at=now,
        )
    )
    await session.commit()


async def fail(session: AsyncSession, job_id: uuid.UUID, *, worker: str, reason: str) -> bool:
    """Failed for good; False when the claim was lost meanwhile (nothing changed)."""
    now = utcnow()
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.worker == worker)
        .values(
            state=JobState.FAILED,
            finished_at=now,
            heartbeat_at=None,
            last_error=redact(reason),
            updated_at=now,
        )
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def take_due(
    session: AsyncSession, *, stale_after_s: float, sent_before: datetime, limit: int = 500
) -> list[uuid.UUID]:
    """Jobs to hand to the queue (again), marked as sent in the same statement.

    Due: queued and never sent, or sent before `sent_before` without being claimed (long ago:
    the queue lost it; or before now, when the queue says it lost its messages); and running
    jobs whose heartbeat stopped (their worker died). Two reconcilers never send the same
    job at once: the UPDATE takes each row once.
    """
    now = utcnow()
    queued = and_(
        Job.state == JobState.QUEUED,
        Job.run_after <= now,
        or_(Job.sent_at.is_(None), Job.sent_at < sent_before),
    )
    orphaned = and_(
        Job.state == JobState.RUNNING,
        Job.heartbeat_at < now - timedelta(seconds=stale_after_s),
        or_(Job.sent_at.is_(None), Job.sent_at < now - timedelta(seconds=stale_after_s)),
    )
    candidates = select(Job.id).where(or_(queued, orphaned)).order_by(Job.created_at).limit(limit)
    ids = list(await session.scalars(candidates))
    if not ids:
        return []
    taken = await session.scalars(
        update(Job)
        .where(Job.id.in_(ids), or_(queued, orphaned))
        .values(sent_at=now)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    sent = list(taken)
    await session.commit()
    return sent


async def mark_sent(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> None:
    await session.execute(update(Job).where(Job.id.in_(job_ids)).values(sent_at=utcnow()))
    await session.commit()


@dataclass(frozen=True)
class QueueStats:
    counts: dict[str, int]  # per state
    oldest_queued_at: datetime | None
    failed_last_hour: int


async def stats(session: AsyncSession) -> QueueStats:
    counts = {state: 0 for state in JobState.ALL}
    for state, count in await session.execute(select(Job.state, func.count()).group_by(Job.state)):
        counts[state] = count
    oldest = await session.scalar(select(func.min(Job.created_at)).where(Job.state == JobState.QUEUED))
    failed = await session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.state == JobState.FAILED, Job.finished_at > utcnow() - timedelta(hours=1))
    )
    return QueueStats(counts=counts, oldest_queued_at=oldest, failed_last_hour=int(failed or 0))


async def list_jobs(
    session: AsyncSession, *, state: str | None, task: str | None, limit: int, offset: int = 0
) -> list[Job]:
    query = select(Job)
    if state is not None:
        query = query.where(Job.state == state)
    if task is not None:
        query = query.where(Job.task == task)
    return list(await session.scalars(query.order_by(Job.created_at.desc()).limit(limit).offset(offset)))


async def requeue(session: AsyncSession, job: Job) -> None:
    """A failed job, queued again from its first attempt (an admin's retry)."""
    now = utcnow()
    job.state, job.attempts, job.run_after, job.sent_at = JobState.QUEUED, 0, now, None
    job.last_error, job.finished_at, job.updated_at = None, None, now
    await session.flush()
