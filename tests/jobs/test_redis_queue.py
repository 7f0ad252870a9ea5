"""The Redis stream queue with a real Redis: API-side queues send, worker-side queues run and
reconcile; Redis may be flushed or away and no job is lost."""

from __future__ import annotations

import asyncio
import random
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.jobs.base import JobContext, Task
from askwell.jobs.models import Job, JobState
from askwell.jobs.queue import JobQueue
from askwell.jobs.redis_streams import RedisStreamsTransport
from askwell.jobs.setup import build_queue
from askwell.settings import Settings
from tests.conftest import require_service
from tests.server import free_port, running_redis

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def redis_port() -> Iterator[int]:
    require_service(shutil.which("redis-server"), "redis-server")
    port = free_port()
    with running_redis(port):
        yield port


def _settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        data_dir=tmp_path,
        redis_url=f"redis://127.0.0.1:{port}/0",
        jobs_backend="redis",
        jobs_queue=f"test-jobs-{uuid.uuid4().hex[:8]}",
        job_reconcile_s=0.2,
        job_heartbeat_s=0.2,
        job_stale_after_s=2,
        _env_file=None,  # type: ignore[call-arg]
    )


def _worker(settings: Settings, sessions: Sessions, ran: list[str]) -> JobQueue:
    queue = build_queue(settings, sessions, role="worker", concurrency=2)

    async def run(job: JobContext) -> None:
        ran.append(job.key)

    queue.register({"note": Task(run=run)})
    return queue


async def _state(sessions: Sessions, job_id: object) -> str:
    async with sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job.state


async def _until_done(sessions: Sessions, job_ids: list[object], timeout_s: float = 20) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if [await _state(sessions, j) for j in job_ids] == [JobState.DONE] * len(job_ids):
                return
            await asyncio.sleep(0.1)  # polling the job rows, as an admin's screen would


async def test_api_sends_and_a_worker_runs(sessions: Sessions, tmp_path: Path, redis_port: int) -> None:
    settings = _settings(tmp_path, redis_port)
    api = build_queue(settings, sessions, role="api")
    ran: list[str] = []
    worker = _worker(settings, sessions, ran)
    await api.start()
    await worker.start()
    try:
        ids = [await api.submit(task="note", key=f"k{n}", payload={}) for n in range(5)]
        await _until_done(sessions, ids)  # type: ignore[arg-type]
    finally:
        await worker.close()
        await api.close()
    assert sorted(ran) == [f"k{n}" for n in range(5)]  # each once


async def test_a_flushed_redis_loses_no_job(sessions: Sessions, tmp_path: Path, redis_port: int) -> None:
    settings = _settings(tmp_path, redis_port)
    api = build_queue(settings, sessions, role="api")
    await api.start()
    try:
        ids = [await api.submit(task="note", key=f"k{n}", payload={}) for n in range(3)]
        redis.Redis(port=redis_port).flushall()  # the stream and its messages are gone
        ran: list[str] = []
        worker = _worker(settings, sessions, ran)
        await worker.start()
        try:
            await _until_done(sessions, ids)  # type: ignore[arg-type]
        finally:
            await worker.close()
    finally:
        await api.close()
    assert sorted(ran) == ["k0", "k1", "k2"]


async def test_jobs_sent_while_redis_is_away_run_when_it_is_back(sessions: Sessions, tmp_path: Path) -> None:
    require_service(shutil.which("redis-server"), "redis-server")
    port = free_port()
    settings = _settings(tmp_path, port)
    api = build_queue(settings, sessions, role="api")
    await api.start()  # no Redis yet: connections are made when used
    try:
        job_id = await api.submit(task="note", key="while-away", payload={})  # the send fails quietly
        assert await _state(sessions, job_id) == JobState.QUEUED
        ran: list[str] = []
        with running_redis(port):
            worker = _worker(settings, sessions, ran)
            await worker.start()
            try:
                await _until_done(sessions, [job_id])
            finally:
                await worker.close()
    finally:
        await api.close()
    assert ran == ["while-away"]


async def test_a_worker_queue_closes_whenever_it_is_closed(redis_port: int) -> None:
    """Closed at random moments of its blocking read (a cancel lost there once held a full run
    for the whole test timeout), the receiver stops every time, well within the bound."""
    url = f"redis://127.0.0.1:{redis_port}/0"
    rng = random.Random(12)

    async def consume(job_id: uuid.UUID) -> bool:
        return False

    for _ in range(20):
        transport = RedisStreamsTransport(url, stream=f"close-{uuid.uuid4().hex[:8]}", consume=consume)
        await transport.start()
        await transport.send([uuid.uuid4()])
        await asyncio.sleep(rng.random() * 0.6)
        async with asyncio.timeout(10):
            await transport.close()


async def test_a_receiver_that_ignores_its_cancel_is_stopped_by_closing_its_connections(
    redis_port: int,
) -> None:
    """The fallback of `close`: a listener that swallows its cancel, reading on the broker's
    connections as taskiq's does, ends once those connections are closed."""
    url = f"redis://127.0.0.1:{redis_port}/0"
    transport = RedisStreamsTransport(url, stream=f"stubborn-{uuid.uuid4().hex[:8]}")
    reads = 0

    async def stubborn_listener() -> None:
        nonlocal reads
        client = redis.asyncio.Redis(connection_pool=transport._broker.connection_pool)
        while True:
            try:
                reads += 1
                await client.xread({"nothing-here": "$"}, block=500)
            except asyncio.CancelledError:
                continue  # the lost cancel
            except redis.exceptions.ConnectionError:
                return

    await transport.start()
    transport._receiver = asyncio.create_task(stubborn_listener())
    await asyncio.sleep(0.2)
    async with asyncio.timeout(10):
        await transport.close()
    assert transport._receiver.done() and reads >= 1
