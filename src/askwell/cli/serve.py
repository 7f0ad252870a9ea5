"""`askwell serve` and `askwell migrate`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from askwell.cli._runner import fail, run
from askwell.ops import logs
from askwell.ops.exposition import prepare_multiprocess
from askwell.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API and the web app."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        # Several processes on one SQLite file would queue on its single writer and each keep
        # their own memory, rate limits and job queue: refuse rather than half-work.
        fail(
            "--workers above 1 needs PostgreSQL and Redis (ASKWELL_DATABASE_URL, ASKWELL_REDIS_URL, "
            "ASKWELL_JOBS_BACKEND=redis): SQLite serves one process; use --workers 1"
        )
    log_config = logs.configure(settings)
    prepare_multiprocess(workers=workers, data_dir=settings.data_dir)  # before the workers start
    run(lambda runtime: asyncio.sleep(0))  # migrations once, before any worker starts
    uvicorn.run(
        "askwell.app:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=log_config,  # each worker process applies it: one format, the request id
        timeout_worker_healthcheck=30,  # a worker loading its runtime on 2 busy cores takes > 5 s
    )


def migrate() -> None:
    """Bring the database schema up to date."""
    run(lambda runtime: asyncio.sleep(0))
    typer.echo("database is up to date")
