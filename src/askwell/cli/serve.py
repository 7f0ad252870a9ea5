"""`askwell serve` and `askwell migrate`."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from askwell.cli._runner import run
from askwell.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API and the web app."""
    import uvicorn

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    run(lambda runtime: asyncio.sleep(0))  # migrations once, before any worker starts
    uvicorn.run(
        "askwell.app:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


def migrate() -> None:
    """Bring the database schema up to date."""
    run(lambda runtime: asyncio.sleep(0))
    typer.echo("database is up to date")
