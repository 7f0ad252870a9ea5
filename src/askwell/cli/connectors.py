"""`askwell connectors ...`: an assistant's knowledge, any kind the registry knows."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from askwell.assistants import service as assistant_service
from askwell.assistants.models import Assistant
from askwell.cli._runner import fail, run
from askwell.connectors import service as connector_service
from askwell.connectors.kinds import kind_names
from askwell.connectors.schemas import ConnectorCreate
from askwell.errors import NotFound
from askwell.runtime import Runtime

app = typer.Typer(help="Manage assistants' knowledge connectors.", no_args_is_help=True)


@app.command("kinds")
def list_kinds() -> None:
    """The knowledge kinds a connector can be."""
    typer.echo("\n".join(kind_names()))


@app.command("add")
def add_connector(
    assistant: Annotated[str, typer.Argument(help="The assistant's name.")],
    kind: Annotated[str, typer.Argument(help="A knowledge kind: see `askwell connectors kinds`.")],
    name: Annotated[str, typer.Option(help="Display name; default: the kind's.")] = "",
    config: Annotated[
        str, typer.Option(help='The kind\'s config as JSON, e.g. \'{"url": "sqlite:///shop.db"}\'.')
    ] = "{}",
) -> None:
    """Add a connector of any kind to an assistant (its config is checked as over the API)."""
    try:
        raw: dict[str, Any] = json.loads(config)
    except json.JSONDecodeError as exc:
        fail(f"--config is not valid JSON: {exc.msg} (at character {exc.pos})")
    if not isinstance(raw, dict):
        fail("--config must be a JSON object")
    connector_in = ConnectorCreate(type=kind, name=name, config=raw)

    async def work(runtime: Runtime) -> str:
        async with runtime.session_factory() as session:
            found = await _assistant(session, assistant)
            connector = await connector_service.create(
                session=session, assistant_id=found.id, connector_in=connector_in, kinds=runtime.kinds
            )
            after_commit = await connector_service.after_save(
                session=session, connector=connector, kinds=runtime.kinds
            )
            await session.commit()
            if after_commit is not None:
                await after_commit()
            return f"created {connector.type} connector {connector.name} ({connector.id})"

    typer.echo(run(work))


@app.command("list")
def list_connectors(assistant: Annotated[str, typer.Argument(help="The assistant's name.")]) -> None:
    """An assistant's connectors: id, kind, name."""

    async def work(runtime: Runtime) -> list[str]:
        async with runtime.session_factory() as session:
            found = await _assistant(session, assistant)
            connectors = await connector_service.list_for_assistant(session=session, assistant_id=found.id)
            return [f"{c.id}  {c.type}  {c.name}" for c in connectors]

    lines = run(work)
    typer.echo("\n".join(lines) if lines else f"{assistant} has no connectors yet")


async def _assistant(session: Any, name: str) -> Assistant:
    found = await assistant_service.get_by_name(session=session, name=name)
    if found is None:
        raise NotFound(f"No assistant named {name!r}: see `askwell assistants list`")
    return found
