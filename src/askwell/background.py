"""Tasks that must outlive the request that started them (and the shutdown drain for them).

Asyncio keeps only weak references to tasks, so a task nobody awaits can be garbage
collected mid-flight: everything spawned here is held until it finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

_tasks: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    task = asyncio.ensure_future(coro)
    _tasks.add(task)
    task.add_done_callback(_forget)
    return task


async def shielded(coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro` so that cancelling the caller does not interrupt it (it then finishes alone)."""
    return await asyncio.shield(spawn(coro))


def _forget(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("Background task failed", exc_info=task.exception())


async def drain(timeout_s: float = 10.0) -> None:
    """Give running background work a chance to finish before the process exits."""
    if _tasks:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*_tasks, return_exceptions=True), timeout_s)
