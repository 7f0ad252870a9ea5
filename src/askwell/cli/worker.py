"""`askwell worker`: run background jobs from the Redis queue, on this machine or any other."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from askwell.cli._runner import fail
from askwell.errors import AskwellError
from askwell.ops import logs
from askwell.runtime import Runtime
from askwell.settings import get_settings

logger = logging.getLogger("askwell.worker")


def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Jobs at once (default: ASKWELL_INGEST_WORKERS).")
    ] = None,
) -> None:
    """Receive and run jobs (ingestion, schema snapshots) until stopped (SIGTERM or Ctrl-C).

    Needs ASKWELL_JOBS_BACKEND=redis, ASKWELL_REDIS_URL and the same database and file store
    as the API processes. Start as many as you like, on any machine.
    """
    settings = get_settings()
    logs.configure(settings)

    async def main() -> None:
        runtime = await Runtime.start(settings, role="worker", concurrency=concurrency)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        logger.info("Worker ready: %d job(s) at once", concurrency or settings.ingest_workers)
        try:
            await stop.wait()
        finally:
            logger.info("Worker stopping; a job cut short now is run again after its heartbeat goes stale")
            await runtime.close()

    try:
        asyncio.run(main())
    except AskwellError as exc:
        fail(exc.message)
