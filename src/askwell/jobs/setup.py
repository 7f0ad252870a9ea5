"""The job queue of one process, from the settings: which transport, and who runs jobs.

- embedded (ASKWELL_JOBS_BACKEND=inprocess): `askwell serve` sends, runs and reconciles;
- production (redis): API processes only send; `askwell worker` processes receive, run
  and reconcile.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.errors import Invalid
from askwell.jobs.base import Task, Transport
from askwell.jobs.queue import JobQueue
from askwell.jobs.reconciler import Reconciler, StatsHook
from askwell.jobs.runner import JobHook, JobRunner
from askwell.settings import Settings

Role = Literal["api", "worker", "cli"]


def build_queue(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    role: Role,
    concurrency: int | None = None,
    on_job: JobHook | None = None,
    on_stats: StatsHook | None = None,
) -> JobQueue:
    """The queue; tasks are registered on it afterwards (`queue.register`), before `start`."""
    tasks: dict[str, Task] = {}  # shared with the runner: tasks registered later are seen
    runner = JobRunner(
        session_factory,
        tasks,
        heartbeat_s=settings.job_heartbeat_s,
        stale_after_s=settings.job_stale_after_s,
        retry_base_s=settings.job_retry_base_s,
        on_finished=on_job,
    )
    workers = concurrency or settings.ingest_workers
    transport: Transport
    if settings.jobs_backend == "inprocess":
        if role == "worker":
            raise Invalid(
                "`askwell worker` serves the Redis job queue: set ASKWELL_JOBS_BACKEND=redis and "
                "ASKWELL_REDIS_URL (with the embedded queue, `askwell serve` runs the jobs itself)",
                code="invalid_settings",
            )
        from askwell.jobs.inprocess import InProcessTransport

        transport = InProcessTransport(runner.run, workers=workers)
    else:
        if not settings.redis_url:
            raise Invalid("ASKWELL_JOBS_BACKEND=redis needs ASKWELL_REDIS_URL", code="invalid_settings")
        from askwell.jobs.redis_streams import RedisStreamsTransport

        transport = RedisStreamsTransport(
            settings.redis_url,
            stream=settings.jobs_queue,
            consume=runner.run if role == "worker" else None,
            concurrency=workers,
        )
    reconciler = None
    if role == "worker" or settings.jobs_backend == "inprocess":  # who runs jobs looks after them
        reconciler = Reconciler(
            session_factory,
            transport,
            every_s=settings.job_reconcile_s,
            stale_after_s=settings.job_stale_after_s,
            resend_after_s=settings.job_resend_after_s,
            on_stats=on_stats,
        )
    return JobQueue(
        session_factory, transport, max_attempts=settings.job_max_attempts, reconciler=reconciler, tasks=tasks
    )
