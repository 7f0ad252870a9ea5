"""The embedded queue end to end: jobs run, transient failures retry with a backoff, permanent
ones fail once with their reason, and a job asked for again while running runs once more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.errors import Unavailable
from askwell.jobs.base import JobContext, JobFailed, RetryLater, Task
from askwell.jobs.models import Job, JobState
from askwell.jobs.queue import JobQueue
from askwell.jobs.setup import build_queue
from askwell.settings import Settings

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def queue(sessions: Sessions, tmp_path: Path) -> AsyncIterator[JobQueue]:
    settings = Settings(
        data_dir=tmp_path,
        job_retry_base_s=0.05,
        job_reconcile_s=0.05,
        job_max_attempts=3,
        ingest_workers=2,
        _env_file=None,  # type: ignore[call-arg]
    )
    jobs = build_queue(settings, sessions, role="api")
    yield jobs
    await jobs.close()


async def _job(sessions: Sessions, job_id: object) -> Job:
    async with sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def test_jobs_run_and_end_done(queue: JobQueue, sessions: Sessions) -> None:
    seen: list[JobContext] = []

    async def run(job: JobContext) -> None:
        seen.append(job)

    queue.register({"note": Task(run=run)})
    await queue.start()
    job_id = await queue.submit(task="note", key="k1", payload={"x": 1})
    await queue.join(10)
    assert [(j.key, j.payload, j.attempt) for j in seen] == [("k1", {"x": 1}, 1)]
    assert (await _job(sessions, job_id)).state == JobState.DONE


async def test_transient_failures_are_retried_then_given_up(queue: JobQueue, sessions: Sessions) -> None:
    attempts: list[int] = []
    failures: list[str] = []

    async def flaky(job: JobContext) -> None:
        attempts.append(job.attempt)
        if job.attempt == 1:
            raise Unavailable("the embedder is not reachable")
        if job.key == "never":
            raise RetryLater("the model server is down")

    async def failed(job: JobContext, reason: str) -> None:
        failures.append(f"{job.key}: {reason}")

    queue.register({"flaky": Task(run=flaky, on_failure=failed)})
    await queue.start()
    rescued = await queue.submit(task="flaky", key="once", payload={})
    doomed = await queue.submit(task="flaky", key="never", payload={})
    await queue.join(20)
    assert (await _job(sessions, rescued)).state == JobState.DONE
    lost = await _job(sessions, doomed)
    assert lost.state == JobState.FAILED and lost.attempts == 3
    assert lost.last_error == "gave up after 3 attempts: the model server is down"
    assert failures == ["never: gave up after 3 attempts: the model server is down"]


async def test_permanent_failures_fail_once_with_the_reason(queue: JobQueue, sessions: Sessions) -> None:
    runs: list[str] = []

    async def corrupt(job: JobContext) -> None:
        runs.append(job.key)
        if job.key == "bug":
            raise KeyError("no such field")
        raise JobFailed("the PDF is encrypted")

    queue.register({"parse": Task(run=corrupt)})
    await queue.start()
    refused = await queue.submit(task="parse", key="pdf", payload={})
    crashed = await queue.submit(task="parse", key="bug", payload={})
    unknown = await queue.submit(task="nobody-runs-this", key="x", payload={})
    await queue.join(10)
    assert sorted(runs) == ["bug", "pdf"]  # once each
    assert (await _job(sessions, refused)).last_error == "the PDF is encrypted"
    assert (await _job(sessions, crashed)).last_error == "internal error (KeyError); see the worker log"
    assert "no task named 'nobody-runs-this'" in str((await _job(sessions, unknown)).last_error)


async def test_a_job_asked_for_while_running_runs_once_more(queue: JobQueue, sessions: Sessions) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    runs = 0

    async def slow(job: JobContext) -> None:
        nonlocal runs
        runs += 1
        started.set()
        await release.wait()

    queue.register({"slow": Task(run=slow)})
    await queue.start()
    job_id = await queue.submit(task="slow", key="doc", payload={})
    await started.wait()
    assert await queue.submit(task="slow", key="doc", payload={}) is None  # folded into the running one
    release.set()
    await queue.join(10)
    assert runs == 2
    assert (await _job(sessions, job_id)).state == JobState.DONE


async def test_queued_jobs_left_by_a_stopped_process_run_at_the_next_start(
    sessions: Sessions, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, job_reconcile_s=0.05, _env_file=None)  # type: ignore[call-arg]
    first = build_queue(settings, sessions, role="api")  # never started: it dies with jobs queued
    async with sessions() as session:
        job_id = await first.enqueue(session, task="note", key="k", payload={})
        await session.commit()
    ran = asyncio.Event()

    async def run(job: JobContext) -> None:
        ran.set()

    second = build_queue(settings, sessions, role="api")
    second.register({"note": Task(run=run)})
    await second.start()
    try:
        await asyncio.wait_for(ran.wait(), 10)
        await second.join(10)
    finally:
        await second.close()
    assert (await _job(sessions, job_id)).state == JobState.DONE
