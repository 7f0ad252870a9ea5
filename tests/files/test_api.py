"""Uploads through the API with each file store (and each database): the document becomes
ready, search finds it, the bytes are where the store keeps them, and deleting the
document removes them. A file gone from the store fails its document with a clear reason."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from askwell.connectors.models import Connector
from askwell.documents import service
from askwell.documents.ingestion.tasks import enqueue_ingestion
from askwell.documents.models import Document
from askwell.documents.storage import document_key, document_prefix
from askwell.files.models import StoredFile as FileRow
from askwell.settings import Settings
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.files.conftest import s3_object_keys, s3_settings

GUIDE = b"""# Onboarding

## Parking

Visitors park in the basement garage, level minus two, bay K-17, and show the ticket at reception.
"""


@pytest.fixture(params=["local", "database", "s3"])
def file_store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings, file_store: str, request: pytest.FixtureRequest) -> Settings:
    update: dict[str, Any] = {"file_store": file_store}
    if file_store == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        update |= s3_settings(endpoint, request.getfixturevalue("s3_bucket"))
    return settings.model_copy(update=update)


async def _stored_rows(app: Any) -> int:
    async with app.state.runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(FileRow)) or 0)


def _objects(settings: Settings) -> list[str]:
    assert settings.s3_endpoint_url and settings.s3_bucket
    return s3_object_keys(settings.s3_endpoint_url, settings.s3_bucket)


async def test_an_upload_is_stored_ingested_found_and_deleted(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any, settings: Settings
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    response = await upload(client, admin_headers, connector["id"], [("guides/parking.md", GUIDE)])
    assert response.status_code == 202, response.text
    [document] = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert document["status"] == "ready" and document["chunks"] >= 1, document
    results = await search(client, assistant["id"], "where do visitors park", headers=admin_headers)
    assert "bay K-17" in results[0]["content"]

    document_id = uuid.UUID(document["id"])
    key = document_key(document_id, "guides/parking.md")
    files = app.state.runtime.files
    assert await files.exists(key)
    uploads = Path(settings.data_dir) / "uploads"
    if settings.file_store == "local":
        assert (uploads / str(document_id) / "parking.md").read_bytes() == GUIDE  # the old layout
    else:
        assert not uploads.exists()  # nothing on this machine's disk
    if settings.file_store == "database":
        assert await _stored_rows(app) == 1
    if settings.file_store == "s3":
        assert _objects(settings) == [f"uploads/{key}"]

    again = (await upload(client, admin_headers, connector["id"], [("guides/parking.md", GUIDE)])).json()
    assert again[0]["id"] == document["id"] and again[0]["status"] == "ready"
    unchanged = (await client.get(f"/api/v1/documents/{document['id']}", headers=admin_headers)).json()
    assert unchanged["updated_at"] == document["updated_at"]  # not ingested again

    deleted = await client.delete(f"/api/v1/documents/{document['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert not await files.exists(key)
    if settings.file_store == "local":
        assert not (uploads / str(document_id)).exists()
    if settings.file_store == "database":
        assert await _stored_rows(app) == 0
    if settings.file_store == "s3":
        assert _objects(settings) == []


async def test_a_file_missing_from_the_store_fails_its_document(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    await upload(client, admin_headers, connector["id"], [("parking.md", GUIDE)])
    [document] = await wait_for_ingestion(client, admin_headers, connector["id"])
    runtime = app.state.runtime
    document_id = uuid.UUID(document["id"])
    await runtime.files.delete_prefix(document_prefix(document_id))  # lost from the store

    async with runtime.session_factory() as session:  # ingest it again (a new embedder, say)
        await session.execute(update(Document).where(Document.id == document_id).values(status="queued"))
        jobs = await enqueue_ingestion(runtime.jobs, session, [document_id])
        await session.commit()
    await runtime.jobs.send(jobs)
    [failed] = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "the uploaded file is missing from storage; upload it again"


async def test_an_upload_that_fails_midway_leaves_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any
) -> None:
    """Two files, the second cut off while it is stored (its client went away): the first
    file's bytes are removed again and no document exists."""
    _, connector_read = await documents_assistant(client, admin_headers)
    runtime = app.state.runtime
    uploads = [
        service.Upload(name="a.md", file=io.BytesIO(GUIDE), size=len(GUIDE)),
        service.Upload(name="b.md", file=_CutOff(GUIDE), size=3 * 1024 * 1024),
    ]
    async with runtime.session_factory() as session:
        connector = await session.get(Connector, uuid.UUID(connector_read["id"]))
        with pytest.raises(ConnectionResetError):
            await service.accept_uploads(
                session=session, connector=connector, uploads=uploads, files=runtime.files, max_bytes=2**30
            )
    async with runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
    if runtime.settings.file_store == "database":
        assert await _stored_rows(app) == 0
    elif runtime.settings.file_store == "s3":
        assert _objects(runtime.settings) == []
    else:
        root = runtime.files.root
        assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []


class _CutOff(io.BytesIO):
    """A spooled upload whose reading breaks after its first bytes."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() > 0:
            raise ConnectionResetError("the client went away")
        return super().read(8)
