"""Running a command's work against a started runtime, reporting domain errors plainly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer

from askwell.errors import AskwellError
from askwell.runtime import Runtime
from askwell.settings import get_settings

T = TypeVar("T")


def run(work: Callable[[Runtime], Awaitable[T]], *, start_jobs: bool = False) -> T:
    """Run `work` against a started runtime (migrations included); a domain error exits with 1."""

    async def main() -> T:
        runtime = await Runtime.start(get_settings(), start_jobs=start_jobs)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except AskwellError as exc:
        fail(exc.message)


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1) from None
