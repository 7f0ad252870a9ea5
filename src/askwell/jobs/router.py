"""Background jobs for admins: queue depth, running and failed jobs, and retrying a failed one."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from askwell.auth.deps import AdminUser
from askwell.deps import RuntimeDep, SessionDep
from askwell.errors import Conflict, NotFound
from askwell.jobs import store
from askwell.jobs.models import Job, JobState
from askwell.jobs.schemas import JobRead, QueueRead

router = APIRouter(prefix="/jobs", tags=["jobs"])

StateFilter = Literal["queued", "running", "done", "failed"]


@router.get("/queue", response_model=QueueRead)
async def queue_status(_admin: AdminUser, session: SessionDep, runtime: RuntimeDep) -> QueueRead:
    """How many jobs wait, run, ended or failed, and how long the oldest has waited."""
    stats = await store.stats(session)
    return QueueRead(
        backend=runtime.jobs.transport.name,
        counts=stats.counts,
        oldest_queued_at=stats.oldest_queued_at,
        failed_last_hour=stats.failed_last_hour,
    )


# Past any real job count, and within every database's integer (SQLite's and PostgreSQL's
# OFFSET refuse a Python int beyond 64 bits with an error, not an empty page).
_MAX_OFFSET = 2**31 - 1


@router.get("", response_model=list[JobRead])
async def list_jobs(
    _admin: AdminUser,
    session: SessionDep,
    state: Annotated[StateFilter | None, Query()] = None,
    task: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
) -> object:
    """Jobs, newest first, optionally of one state or task."""
    return await store.list_jobs(session, state=state, task=task, limit=limit, offset=offset)


@router.post("/{job_id}/retry", response_model=JobRead)
async def retry_job(job_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep) -> object:
    """Run a failed job again, from its first attempt."""
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound("Job not found", code="job_not_found")
    if job.state != JobState.FAILED:
        raise Conflict(f"Only a failed job can be retried; this one is {job.state}", code="job_not_failed")
    await store.requeue(session, job)
    await session.commit()
    await runtime.jobs.send([job.id])
    return job
