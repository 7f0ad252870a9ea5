"""`askwell eval ...`: run an evaluation set against an assistant, show a run, compare two runs.

With `--server` (and an admin's `--token`, or ASKWELL_TOKEN) the work is the server's, through
its API; without, it runs in this process on the configured database and job queue.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer

from askwell.cli._eval_backends import EvalBackend, HttpBackend, LocalBackend, wait
from askwell.cli._runner import fail
from askwell.errors import AskwellError
from askwell.runtime import Runtime
from askwell.settings import get_settings

app = typer.Typer(help="Measure an assistant on a question set.", no_args_is_help=True)
T = TypeVar("T")

Server = Annotated[str | None, typer.Option(help="The server's URL; without it the run is local.")]
Token = Annotated[str | None, typer.Option(envvar="ASKWELL_TOKEN", help="An admin's access token.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the run(s) as JSON.")]


@app.command("run")
def run_set(
    set_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL or CSV")],
    assistant: Annotated[str, typer.Option(help="The assistant's name or id.")],
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    server: Server = None,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Upload SET_FILE, run it, wait, and print the metrics."""
    content = set_file.read_bytes()

    async def work(backend: EvalBackend) -> dict[str, Any]:
        started = await backend.start(
            filename=set_file.name, content=content, assistant=assistant, limit=limit
        )
        typer.echo(f"run {started['id']}: {started['total']} questions", err=True)
        return await wait(backend, started)

    run = _with_backend(work, server=server, token=token)
    typer.echo(json.dumps(run, indent=1) if as_json else "\n".join(run_table(run)))
    if run["status"] != "done":
        raise typer.Exit(code=1)


@app.command("show")
def show(run_id: str, server: Server = None, token: Token = None, as_json: AsJson = False) -> None:
    """Print one run's metrics."""
    run = _with_backend(lambda backend: backend.run(run_id), server=server, token=token)
    typer.echo(json.dumps(run, indent=1) if as_json else "\n".join(run_table(run)))


@app.command("compare")
def compare(
    run_a: str, run_b: str, server: Server = None, token: Token = None, as_json: AsJson = False
) -> None:
    """Print two runs' metrics side by side, with B's change from A."""

    async def work(backend: EvalBackend) -> tuple[dict[str, Any], dict[str, Any]]:
        return await backend.run(run_a), await backend.run(run_b)

    first, second = _with_backend(work, server=server, token=token)
    if as_json:
        typer.echo(json.dumps({"a": first, "b": second}, indent=1))
    else:
        typer.echo("\n".join(compare_table(first, second)))


def _with_backend(work: Callable[[EvalBackend], Awaitable[T]], *, server: str | None, token: str | None) -> T:
    async def main() -> T:
        async with _backend(server, token) as backend:
            return await work(backend)

    try:
        return asyncio.run(main())
    except AskwellError as exc:
        fail(exc.message)


@asynccontextmanager
async def _backend(server: str | None, token: str | None) -> Any:
    if server:
        if not token:
            fail("--server needs an admin's --token (or ASKWELL_TOKEN)")
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.rstrip("/"), headers=headers, timeout=60) as client:
            yield HttpBackend(client)
        return
    runtime = await Runtime.start(get_settings(), role="cli")
    try:
        yield LocalBackend(runtime)
    finally:
        await runtime.close()


# --- tables ------------------------------------------------------------------------------------

_MEASURES = (
    ("answer_f1", "answer token-F1"),
    ("citation_precision", "citation precision"),
    ("abstention_rate", "abstention rate"),
    ("sql_execution_accuracy", "SQL execution accuracy"),
)
_RETRIEVAL = (("ndcg_at_10", "nDCG@10"), ("recall_at_10", "Recall@10"), ("mrr_at_10", "MRR@10"))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _rows(run: dict[str, Any]) -> Iterator[tuple[str, float | None]]:
    """(label, value) for every number of a run, in table order."""
    metrics = run.get("metrics") or {}
    for mode, scores in (metrics.get("retrieval") or {}).items():
        for key, label in _RETRIEVAL:
            yield f"{mode} {label}", scores.get(key)
    for key, label in _MEASURES:
        yield label, metrics.get(key)
    for stage, ms in sorted((metrics.get("latency_p50_ms") or {}).items()):
        yield f"p50 {stage} (ms)", ms


def run_table(run: dict[str, Any]) -> list[str]:
    metrics = run.get("metrics") or {}
    head = (
        f"run {run['id']}  {run['status']}  {run['completed']}/{run['total']} questions, "
        f"{run['failed_questions']} failed  model {run.get('settings', {}).get('model', '?')}"
    )
    lines = [head]
    if run.get("error"):
        lines.append(f"error: {run['error']}")
    if not metrics:
        return lines
    width = max(len(label) for label, _ in _rows(run))
    lines += [f"  {label:<{width}}  {_number(value):>10}" for label, value in _rows(run)]
    return lines


def compare_table(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    a, b = dict(_rows(first)), dict(_rows(second))
    labels = list(dict.fromkeys([*a, *b]))
    width = max([len(label) for label in labels] + [6])
    lines = [
        f"A: run {first['id']} ({first['created_at']}, {first.get('settings', {}).get('model', '?')})",
        f"B: run {second['id']} ({second['created_at']}, {second.get('settings', {}).get('model', '?')})",
        f"  {'':<{width}}  {'A':>10}  {'B':>10}  {'B - A':>10}",
    ]
    for label in labels:
        x, y = a.get(label), b.get(label)
        change = f"{y - x:+.4f}" if x is not None and y is not None else "-"
        lines.append(f"  {label:<{width}}  {_number(x):>10}  {_number(y):>10}  {change:>10}")
    return lines
