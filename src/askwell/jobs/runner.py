"""Runs one job by id: claim it, keep its heartbeat, call its task, record how it ended.

The same code runs in the embedded queue (inside `askwell serve`) and in `askwell worker`.
Transient failures (RetryLater, a database or model server that is down) are retried
with an exponential backoff until the job's attempts run out; anything else fails the job
at once with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.jobs import store
from askwell.jobs.base import TRANSIENT, JobContext, JobFailed, RetryLater, Task
from askwell.ops.logs import request_context
from askwell.process_memory import release_memory

logger = logging.getLogger(__name__)

JobHook = Callable[[JobContext, str, float], None]  # (job, outcome, seconds): metrics, logs


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobRunner:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tasks: Mapping[str, Task],
        *,
        heartbeat_s: float,
        stale_after_s: float,
        retry_base_s: float,
        retry_max_s: float = 300.0,
        on_finished: JobHook | None = None,
    ) -> None:
        self._sessions = session_factory
        self._tasks = tasks
        self._heartbeat_s = heartbeat_s
        self._stale_after_s = stale_after_s
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._on_finished = on_finished
        self.worker = worker_name()

    async def run(self, job_id: uuid.UUID) -> bool:
        """Run the job if it can be claimed; True when it should be sent again at once."""
        async with self._sessions() as session:
            job = await store.claim(session, job_id, worker=self.worker, stale_after_s=self._stale_after_s)
        if job is None:
            return False  # done already, not yet due, or running elsewhere
        started = time.perf_counter()
        outcome = "done"
        beating = asyncio.ensure_future(self._beat(job.job_id))
        try:
            with request_context(job.request_id):  # its log lines carry the id of the request that asked
                await self._call(job)
        except asyncio.CancelledError:
            outcome = "interrupted"  # shutting down: the claim goes stale and the job runs again
            raise
        except TRANSIENT as exc:
            outcome = await self._retry_or_fail(job, _reason(exc))
        except JobFailed as exc:
            outcome = await self._fail(job, exc.reason)
        except DBAPIError as exc:
            # A database error that is not a dropped connection: a bug or bad data, not "later".
            logger.exception("Job %s (%s) failed", job.job_id, job.task)
            outcome = await self._fail(job, f"database error: {type(exc.orig).__name__}")
        except Exception as exc:
            logger.exception("Job %s (%s) failed", job.job_id, job.task)
            outcome = await self._fail(job, f"internal error ({type(exc).__name__}); see the worker log")
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            if self._on_finished is not None:
                self._on_finished(job, outcome, time.perf_counter() - started)
            # What a job parsed and embedded is garbage now: hand the pages back, so a worker's
            # memory after a corpus returns to its size after warm-up (bench/ingest_memory.py).
            await asyncio.to_thread(release_memory)
        if outcome != "done":
            return False
        async with self._sessions() as session:
            return await store.finish(session, job.job_id, worker=self.worker)

    async def _call(self, job: JobContext) -> None:
        task = self._tasks.get(job.task)
        if task is None:
            raise JobFailed(f"no task named {job.task!r} in this worker (is it the same version?)")
        await task.run(job)

    async def _retry_or_fail(self, job: JobContext, reason: str) -> str:
        if job.last_attempt:
            return await self._fail(job, f"gave up after {job.attempt} attempts: {reason}")
        delay = min(self._retry_base_s * 2 ** (job.attempt - 1), self._retry_max_s)
        logger.warning("Job %s (%s) will retry in %.0f s: %s", job.job_id, job.task, delay, reason)
        async with self._sessions() as session:
            await store.retry_later(session, job.job_id, worker=self.worker, reason=reason, delay_s=delay)
        return "retry"

    async def _fail(self, job: JobContext, reason: str) -> str:
        async with self._sessions() as session:
            failed = await store.fail(session, job.job_id, worker=self.worker, reason=reason)
        task = self._tasks.get(job.task)
        if failed and task is not None and task.on_failure is not None:
            await task.on_failure(job, reason)
        return "failed"

    async def _beat(self, job_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_s)
            try:
                async with self._sessions() as session:
                    alive = await store.heartbeat(session, job_id, worker=self.worker)
            except Exception as exc:  # the database is away for a moment: the next beat may pass
                logger.warning("Heartbeat of job %s failed: %s", job_id, type(exc).__name__)
                continue
            if not alive:
                logger.warning("Job %s was taken over by another worker", job_id)
                return


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RetryLater):
        return exc.reason
    message = getattr(exc, "message", None)
    if isinstance(message, str):
        return message
    return f"{type(exc).__name__}: the database, the queue or a model server is unavailable"
