"""`askwell ingest PATH... --assistant NAME`: the upload path, from the shell, with a summary."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from askwell.assistants import service as assistant_service
from askwell.cli._runner import run
from askwell.connectors import service as connector_service
from askwell.connectors.schemas import ConnectorCreate
from askwell.documents import service as document_service
from askwell.documents.ingestion.tasks import enqueue_ingestion
from askwell.documents.models import Document, DocumentStatus
from askwell.documents.parsing import detect_type
from askwell.errors import NotFound
from askwell.runtime import Runtime

DOCUMENTS = "documents"


@dataclass
class IngestSummary:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) never uploaded
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, reason) from ingestion


def collect_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, document name): files given directly by their name, files under a given folder
    by their path relative to it (hidden ones left out), so same-named files stay apart."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            found.append((path, path.name))
            continue
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(path)
            if file.is_file() and not any(part.startswith(".") for part in relative.parts):
                found.append((file, relative.as_posix()))
    return found


async def ingest_paths(
    runtime: Runtime,
    *,
    assistant_name: str,
    paths: list[Path],
    progress: Callable[[int, int], None],
    batch_size: int = 50,
) -> IngestSummary:
    started = time.perf_counter()
    summary = IngestSummary()
    max_bytes = runtime.settings.max_upload_mb * 1024 * 1024
    async with runtime.session_factory() as session:
        assistant = await assistant_service.get_by_name(session=session, name=assistant_name)
        if assistant is None:
            raise NotFound(f"No assistant named {assistant_name!r}: see `askwell assistants list`")
        connectors = await connector_service.list_for_assistant(
            session=session, assistant_id=assistant.id, type_=DOCUMENTS
        )
        connector = (
            connectors[0]
            if connectors
            else await connector_service.create(
                session=session,
                assistant_id=assistant.id,
                connector_in=ConnectorCreate(type=DOCUMENTS),
                kinds=runtime.kinds,
            )
        )
        await session.commit()

    accepted: list[tuple[Path, str]] = []
    for path, name in collect_files(paths):
        if not path.exists():
            summary.skipped.append((str(path), "no such file"))
        elif path.stat().st_size > max_bytes:
            summary.skipped.append((str(path), f"over the {runtime.settings.max_upload_mb} MB limit"))
        elif detect_type(path.name, path.read_bytes()[:8]) is None:
            summary.skipped.append((str(path), "unsupported file type"))
        else:
            accepted.append((path, name))

    ids: list = []
    for start in range(0, len(accepted), batch_size):
        batch = accepted[start : start + batch_size]
        handles = [path.open("rb") for path, _ in batch]
        try:
            uploads = [
                document_service.Upload(name=name, file=handle, size=path.stat().st_size)
                for (path, name), handle in zip(batch, handles, strict=True)
            ]
            async with runtime.session_factory() as session:
                documents, to_ingest = await document_service.accept_uploads(
                    session=session,
                    connector=connector,
                    uploads=uploads,
                    files=runtime.files,
                    max_bytes=max_bytes,
                )
                jobs = await enqueue_ingestion(runtime.jobs, session, to_ingest)
                await session.commit()
            await runtime.jobs.send(jobs)
        finally:
            for handle in handles:
                handle.close()
        ids += [d.id for d in documents]

    while True:
        async with runtime.session_factory() as session:
            documents = (
                list(await session.scalars(select(Document).where(Document.id.in_(ids)))) if ids else []
            )
        done = sum(d.status in (DocumentStatus.READY, DocumentStatus.FAILED) for d in documents)
        progress(done, len(ids))
        if done == len(ids):
            break
        await asyncio.sleep(0.5)
    summary.files = len(documents)
    summary.pages = sum(d.pages or 0 for d in documents)
    summary.chunks = sum(d.chunks for d in documents if d.status == DocumentStatus.READY)
    summary.failed = [(d.name, d.error or "failed") for d in documents if d.status == DocumentStatus.FAILED]
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively).")],
    assistant: Annotated[str, typer.Option("--assistant", "-a", help="The assistant's name.")],
) -> None:
    """Ingest files into an assistant's documents, with a progress bar and a summary."""

    async def work(runtime: Runtime) -> IngestSummary:
        with typer.progressbar(length=1, label="Ingesting") as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            return await ingest_paths(runtime, assistant_name=assistant, paths=paths, progress=progress)

    summary = run(work, start_jobs=True)
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
