"""The embedded queue: job ids on an asyncio queue, run by a few tasks inside this process.

Nothing survives the process but the job rows, which is enough: at start-up the
reconciler sends every queued job again, and a job that was running is claimed again once
its heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

logger = logging.getLogger(__name__)
_CLOSE_TIMEOUT_S = 10.0  # how long shutdown waits for running jobs to take their cancellation

Consume = Callable[[uuid.UUID], Awaitable[bool]]  # run a job; True: send it again


class InProcessTransport:
    name = "inprocess"

    def __init__(self, consume: Consume, *, workers: int) -> None:
        self._consume = consume
        self._workers = workers
        self._queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
        self._waiting: set[uuid.UUID] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name=f"job-worker-{n}") for n in range(self._workers)
        ]

    async def send(self, job_ids: Sequence[uuid.UUID]) -> None:
        for job_id in job_ids:
            if job_id not in self._waiting:  # sent twice before it ran: once is enough
                self._waiting.add(job_id)
                self._queue.put_nowait(job_id)

    async def lost_messages(self) -> bool:
        """True once, at start-up: a new process holds none of the ids the last one had."""
        lost, self._started = not self._started, True
        return lost

    async def ping(self) -> None:
        return None

    async def join(self) -> None:
        """Wait until every id sent so far has been run (tests)."""
        await self._queue.join()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        # A job inside a worker thread (a parse, a blocking driver call) ends only when the
        # thread does: shutdown waits a bounded time, then leaves it (the reconciler of the
        # next start sends the job again).
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=_CLOSE_TIMEOUT_S)
            if pending:
                logger.warning("%d job(s) still running at shutdown; left to the reconciler", len(pending))
        self._tasks = []

    async def _work(self) -> None:
        while True:
            job_id = await self._queue.get()
            self._waiting.discard(job_id)
            try:
                if await self._consume(job_id):
                    await self.send([job_id])
            except asyncio.CancelledError:
                raise
            except Exception:  # the runner records job failures; this is the database being away
                logger.exception("Could not run job %s; the reconciler will send it again", job_id)
            finally:
                self._queue.task_done()
