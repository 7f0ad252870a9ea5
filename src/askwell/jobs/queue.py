"""Ingestion jobs: an in-process worker pool (the embedded default).

A job is a document id; the handler does the whole pipeline for it. Submitting a
document that is already waiting does nothing; submitting one that is running makes it
run once more afterwards (a newer upload replaced the file meanwhile). A failure in one
job is logged and never stops the workers.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

logger = logging.getLogger(__name__)

Handler = Callable[[uuid.UUID], Awaitable[None]]


class JobQueue(Protocol):
    async def submit(self, document_id: uuid.UUID) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def join(self) -> None:
        """Wait until every submitted job has finished (tests, shutdown, the CLI)."""
        ...


class InProcessJobQueue:
    def __init__(self, handler: Handler, *, workers: int) -> None:
        self._handler = handler
        self._workers = workers
        self._queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
        self._waiting: set[uuid.UUID] = set()
        self._running: set[uuid.UUID] = set()
        self._rerun: set[uuid.UUID] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def submit(self, document_id: uuid.UUID) -> None:
        if document_id in self._running:
            self._rerun.add(document_id)
        elif document_id not in self._waiting:
            self._waiting.add(document_id)
            self._queue.put_nowait(document_id)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"ingest-{n}") for n in range(self._workers)]

    async def join(self) -> None:
        await self._queue.join()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        while True:
            document_id = await self._queue.get()
            self._waiting.discard(document_id)
            self._running.add(document_id)
            try:
                await self._handler(document_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Ingestion job crashed", extra={"document_id": str(document_id)})
            finally:
                self._running.discard(document_id)
                if document_id in self._rerun:
                    self._rerun.discard(document_id)
                    await self.submit(document_id)
                self._queue.task_done()
