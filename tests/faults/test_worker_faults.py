"""Ingestion survives its workers: a worker killed with SIGKILL mid-ingestion leaves a job that
another worker finishes, with exactly the chunks of a clean run (PostgreSQL + Redis)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from askwell.documents.ingestion.chunking import split
from askwell.documents.ingestion.tokens import token_counter
from askwell.documents.models import Chunk
from askwell.documents.parsing import parse
from askwell.settings import Settings
from tests.conftest import bearer, login, register
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion
from tests.faults.workers import running_worker

pytestmark = pytest.mark.server


@pytest.fixture
def settings(settings: Settings, backend: str) -> Settings:
    if backend != "postgres":
        pytest.skip("workers are the production topology: PostgreSQL and Redis")
    return settings.model_copy(
        update={
            "jobs_backend": "redis",
            "jobs_queue": f"faults-{uuid.uuid4().hex[:8]}",
            "job_heartbeat_s": 0.5,
            "job_stale_after_s": 3.0,
            "job_reconcile_s": 0.5,
        }
    )


def _long_handbook(path: Path) -> bytes:
    sections = [
        f"## Section {n}\n\n"
        + " ".join(
            f"Policy {n}.{m} says employees record item {n * 31 + m} in the ledger." for m in range(40)
        )
        for n in range(60)
    ]
    data = ("# Handbook\n\n" + "\n\n".join(sections)).encode()
    path.write_bytes(data)
    return data


def _clean_chunk_count(path: Path, settings: Settings) -> int:
    parsed = parse(path, "md")
    chunks = split(
        parsed,
        chunk_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap,
        count_tokens=token_counter(),
    )
    return len(chunks)


async def _status(client: httpx.AsyncClient, headers: dict[str, str], connector_id: str) -> dict[str, Any]:
    documents = (await client.get(f"/api/v1/connectors/{connector_id}/documents", headers=headers)).json()
    return dict(documents[0])


async def test_a_worker_killed_mid_ingestion_leaves_no_half_document(
    client: httpx.AsyncClient, app: Any, settings: Settings, tmp_path: Path
) -> None:
    await register(client, "admin@example.org")
    headers = bearer(await login(client, "admin@example.org"))
    _, connector = await documents_assistant(client, headers)
    source = tmp_path / "handbook.md"
    content = _long_handbook(source)
    expected = _clean_chunk_count(source, settings)
    log = tmp_path / "workers.log"

    with running_worker(settings, log) as first:
        await upload(client, headers, connector["id"], [("handbook.md", content)])
        async with asyncio.timeout(120):
            while (status := await _status(client, headers, connector["id"]))["status"] != "embedding" or (
                status["progress"] <= 0
            ):
                assert status["status"] in ("queued", "parsing", "embedding"), status
                await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-embedding: nothing is cleaned up
        first.wait(timeout=10)

    with running_worker(settings, log):
        [document] = await wait_for_ingestion(client, headers, connector["id"], timeout_s=180)
    assert document["status"] == "ready", document
    assert document["chunks"] == expected
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(
            select(func.count(), func.count(func.distinct(Chunk.chunk_index))).where(
                Chunk.document_id == uuid.UUID(document["id"])
            )
        )
        count, distinct = rows.one()
    assert count == distinct == expected
