"""The `askwell` command: serve, migrate, and manage users, assistants, knowledge and models."""

from __future__ import annotations

import typer

from askwell.cli import assistants, connectors, demo, evaluation, ingest, mcp, models, serve, users, worker

app = typer.Typer(help="Askwell: a self-hosted assistant platform.", no_args_is_help=True)
app.command()(serve.serve)
app.command()(serve.migrate)
app.command()(worker.worker)
app.add_typer(users.app, name="users")
app.add_typer(assistants.app, name="assistants")
app.add_typer(connectors.app, name="connectors")
app.add_typer(models.app, name="models")
app.add_typer(evaluation.app, name="eval")
app.command()(ingest.ingest)
app.command()(demo.demo)
app.command()(mcp.mcp)
