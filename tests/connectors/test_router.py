"""Connector CRUD over the API, whatever the kind: create, read, rename, delete, who may."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.settings import Settings
from tests.conftest import create_assistant
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion


@pytest.mark.parametrize(
    "body",
    [
        {"type": "spreadsheet"},
        {"type": "documents", "config": {"x": 1}},
        {"type": "sql", "config": {}},
        {"type": "Documents"},
        {},
    ],
)
async def test_bad_connector_bodies_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, Any]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_connectors_are_listed_read_and_renamed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    assert connector["name"] == "Documents" and connector["config"] == {}
    listed = await client.get(f"/api/v1/assistants/{assistant['id']}/connectors", headers=admin_headers)
    assert [c["id"] for c in listed.json()] == [connector["id"]]
    renamed = await client.patch(
        f"/api/v1/connectors/{connector['id']}", json={"name": "Handbook"}, headers=admin_headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Handbook"
    read = await client.get(f"/api/v1/connectors/{connector['id']}", headers=admin_headers)
    assert read.json()["name"] == "Handbook" and read.json()["type"] == "documents"


async def test_members_cannot_touch_connectors(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    base = f"/api/v1/connectors/{connector['id']}"
    attempts = [
        client.get(f"/api/v1/assistants/{assistant['id']}/connectors", headers=member_headers),
        client.post(
            f"/api/v1/assistants/{assistant['id']}/connectors",
            json={"type": "documents"},
            headers=member_headers,
        ),
        client.get(base, headers=member_headers),
        client.patch(base, json={"name": "x"}, headers=member_headers),
        client.delete(base, headers=member_headers),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 403 and response.json()["code"] == "admin_required"


async def test_deleting_a_documents_connector_removes_its_files(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    await upload(client, admin_headers, connector["id"], [("a.md", b"# A\n\nalpha text\n")])
    [document] = await wait_for_ingestion(client, admin_headers, connector["id"])
    folder = Path(settings.data_dir) / "uploads" / document["id"]
    assert folder.is_dir()
    assert (
        await client.delete(f"/api/v1/connectors/{connector['id']}", headers=admin_headers)
    ).status_code == 204
    assert not folder.exists()
    gone = await client.get(f"/api/v1/documents/{document['id']}", headers=admin_headers)
    assert gone.status_code == 404
