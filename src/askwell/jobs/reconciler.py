"""Brings back work the queue lost: at start-up, then every few seconds.

It sends again the jobs that are queued but were never handed over (or long ago), the
jobs whose worker stopped sending heartbeats, and, when the transport says it may have
lost its messages (a flushed or new Redis), every queued job. Domains add checks of their
own for work that has no job at all (a document left half-ingested by an old version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.db import utcnow
from askwell.jobs import store
from askwell.jobs.base import Transport

logger = logging.getLogger(__name__)

StatsHook = Callable[[store.QueueStats], None]


class Reconciler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        transport: Transport,
        *,
        every_s: float,
        stale_after_s: float,
        resend_after_s: float,
        on_stats: StatsHook | None = None,
    ) -> None:
        self._sessions = session_factory
        self._transport = transport
        self._every_s = every_s
        self._stale_after_s = stale_after_s
        self._resend_after_s = resend_after_s
        self._on_stats = on_stats
        self.checks: list[Callable[[], Awaitable[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="job-reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def pass_once(self) -> int:
        """One look: returns how many jobs were sent again."""
        for check in self.checks:
            await check()
        lost = await self._transport.lost_messages()
        if lost:
            logger.info("The job queue may have lost its messages: sending every queued job again")
        now = utcnow()
        sent_before = now if lost else now - timedelta(seconds=self._resend_after_s)
        sent = 0
        while True:  # in batches, so a large backlog goes out in one pass
            async with self._sessions() as session:
                due = await store.take_due(
                    session, stale_after_s=self._stale_after_s, sent_before=sent_before
                )
            if not due:
                break
            await self._transport.send(due)
            sent += len(due)
            if len(due) < 500:
                break
        if self._on_stats is not None:
            async with self._sessions() as session:
                self._on_stats(await store.stats(session))
        if sent:
            logger.info("Sent %d job(s) again", sent)
        return sent

    async def _loop(self) -> None:
        while True:
            try:
                await self.pass_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or Redis is away: try again next time
                logger.warning(
                    "Job reconciliation failed (%s); retrying in %.0f s", type(exc).__name__, self._every_s
                )
            await asyncio.sleep(self._every_s)
