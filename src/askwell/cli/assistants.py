"""`askwell assistants ...`: create and list assistants."""

from __future__ import annotations

from typing import Annotated

import typer

from askwell.assistants import service as assistant_service
from askwell.assistants.schemas import AssistantCreate
from askwell.cli._runner import run
from askwell.runtime import Runtime

app = typer.Typer(help="Manage assistants.", no_args_is_help=True)


@app.command("create")
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

    typer.echo(run(work))


@app.command("list")
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

    lines = run(work)
    typer.echo("\n".join(lines) if lines else "no assistants yet: askwell assistants create NAME")
