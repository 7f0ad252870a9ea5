"""Job rows: one active job per key, claims that two workers cannot both win, reruns, resends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.db import utcnow
from askwell.jobs import store
from askwell.jobs.models import Job, JobState

Sessions = async_sessionmaker[AsyncSession]


async def _enqueue(sessions: Sessions, key: str = "doc-1") -> object:
    async with sessions() as session:
        job_id = await store.enqueue(session, task="t", key=key, payload={"n": 1}, max_attempts=3)
        await session.commit()
    return job_id


async def _job(sessions: Sessions, job_id: object) -> Job:
    async with sessions() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def test_one_active_job_per_key_and_a_rerun_when_asked_while_running(sessions: Sessions) -> None:
    first = await _enqueue(sessions)
    assert first is not None
    assert await _enqueue(sessions) is None  # still queued: that one will see the latest state
    async with sessions() as session:
        claimed = await store.claim(session, first, worker="w1", stale_after_s=30)  # type: ignore[arg-type]
    assert claimed is not None and claimed.attempt == 1 and claimed.payload == {"n": 1}
    assert await _enqueue(sessions) is None  # running: it will run once more when it ends
    async with sessions() as session:
        assert await store.finish(session, first, worker="w1") is True  # type: ignore[arg-type]
    job = await _job(sessions, first)
    assert job.state == JobState.QUEUED and job.attempts == 0 and job.rerun is False
    async with sessions() as session:
        await store.claim(session, first, worker="w1", stale_after_s=30)  # type: ignore[arg-type]
        assert await store.finish(session, first, worker="w1") is False  # type: ignore[arg-type]
    assert (await _job(sessions, first)).state == JobState.DONE
    assert await _enqueue(sessions) is not None  # done: a new upload gets a new job


async def test_two_workers_cannot_both_claim_a_job(sessions: Sessions) -> None:
    job_id = await _enqueue(sessions)

    async def claim(worker: str) -> object:
        async with sessions() as session:
            return await store.claim(session, job_id, worker=worker, stale_after_s=30)  # type: ignore[arg-type]

    results = await asyncio.gather(*(claim(f"w{n}") for n in range(4)))
    assert sum(r is not None for r in results) == 1
    async with sessions() as session:  # a heartbeat or finish from a loser changes nothing
        assert await store.heartbeat(session, job_id, worker="nobody") is False  # type: ignore[arg-type]
        assert await store.fail(session, job_id, worker="nobody", reason="x") is False  # type: ignore[arg-type]
    assert (await _job(sessions, job_id)).state == JobState.RUNNING


async def test_a_running_job_whose_heartbeat_stopped_is_taken_over(sessions: Sessions) -> None:
    job_id = await _enqueue(sessions)
    async with sessions() as session:
        assert await store.claim(session, job_id, worker="dead", stale_after_s=30)  # type: ignore[arg-type]
        assert await store.claim(session, job_id, worker="w2", stale_after_s=30) is None  # type: ignore[arg-type]
        await session.execute(
            update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=60))
        )
        await session.commit()
        taken = await store.claim(session, job_id, worker="w2", stale_after_s=30)  # type: ignore[arg-type]
    assert taken is not None and taken.attempt == 2
    assert (await _job(sessions, job_id)).worker == "w2"


async def test_a_retry_waits_for_its_time(sessions: Sessions) -> None:
    job_id = await _enqueue(sessions)
    async with sessions() as session:
        await store.claim(session, job_id, worker="w", stale_after_s=30)  # type: ignore[arg-type]
        await store.retry_later(session, job_id, worker="w", reason="embedder down", delay_s=60)  # type: ignore[arg-type]
        assert await store.claim(session, job_id, worker="w", stale_after_s=30) is None  # type: ignore[arg-type]
    job = await _job(sessions, job_id)
    assert job.state == JobState.QUEUED and job.last_error == "embedder down"


async def test_what_is_due_for_sending(sessions: Sessions) -> None:
    never_sent = await _enqueue(sessions, "a")
    sent_lately = await _enqueue(sessions, "b")
    orphan = await _enqueue(sessions, "c")
    async with sessions() as session:
        await store.mark_sent(session, [sent_lately, orphan])  # type: ignore[list-item]
        await store.claim(session, orphan, worker="dead", stale_after_s=30)  # type: ignore[arg-type]
        await session.execute(
            update(Job).where(Job.id == orphan).values(heartbeat_at=utcnow() - timedelta(seconds=60))
        )
        await session.commit()
        await session.execute(
            update(Job).where(Job.id == orphan).values(sent_at=utcnow() - timedelta(seconds=60))
        )
        await session.commit()
        due = await store.take_due(session, stale_after_s=30, sent_before=utcnow() - timedelta(seconds=300))
        assert set(due) == {never_sent, orphan}
        again = await store.take_due(session, stale_after_s=30, sent_before=utcnow() - timedelta(seconds=300))
        assert again == []  # just sent: not again before the timeout
        everything = await store.take_due(session, stale_after_s=30, sent_before=utcnow())
        assert set(everything) == {never_sent, sent_lately}  # the queue lost its messages


async def test_stats_count_states(sessions: Sessions) -> None:
    await _enqueue(sessions, "a")
    job_id = await _enqueue(sessions, "b")
    async with sessions() as session:
        await store.claim(session, job_id, worker="w", stale_after_s=30)  # type: ignore[arg-type]
        await store.fail(session, job_id, worker="w", reason="corrupt")  # type: ignore[arg-type]
        stats = await store.stats(session)
    assert stats.counts == {"queued": 1, "running": 0, "done": 0, "failed": 1}
    assert stats.failed_last_hour == 1 and stats.oldest_queued_at is not None
