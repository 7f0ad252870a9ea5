"""Knowledge kinds come from the registry: a third kind, registered by the tests alone, is a
connector like the others, over the API, in the chat and on deletion."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from askwell.connectors import kinds
from tests.conftest import answer_text, chat, create_assistant, new_session_id
from tests.connectors import notes_kind
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion


@pytest.fixture(autouse=True)
def _notes_kind_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Before the app is made: the app mounts each registered kind's endpoints.
    monkeypatch.setitem(kinds.KINDS, "notes", "tests.connectors.notes_kind:NotesKind")
    yield


async def _notes_connector(client: httpx.AsyncClient, headers: dict[str, str], assistant_id: str) -> dict:
    response = await client.post(
        f"/api/v1/assistants/{assistant_id}/connectors",
        json={
            "type": "notes",
            "config": {"notes": ["The office wifi password is tulip42.", "Lunch is at noon."]},
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_registered_kind_is_a_connector_with_its_own_endpoint(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    connector = await _notes_connector(client, admin_headers, assistant["id"])
    assert connector["type"] == "notes" and connector["name"] == "Notes"  # the kind's title
    notes = await client.get(f"/api/v1/connectors/{connector['id']}/notes", headers=admin_headers)
    assert notes.status_code == 200 and notes.json()[0].startswith("The office wifi")
    bad = await client.patch(
        f"/api/v1/connectors/{connector['id']}", json={"config": {"notes": []}}, headers=admin_headers
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_config"


async def test_its_stage_gathers_passages_the_answer_cites(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    await _notes_connector(client, admin_headers, assistant["id"])
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="What is the wifi password?",
    )
    steps = {e["step_id"]: e for e in events if e["type"] == "step"}
    assert steps["notes"]["status"] == "done" and steps["notes"]["metadata"]["found"] == 1
    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert [s["content"] for s in sources] == ["The office wifi password is tulip42."]
    assert "[1]" in answer_text(events)


async def test_kinds_gather_side_by_side(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant, documents = await documents_assistant(client, admin_headers)
    await upload(
        client, admin_headers, documents["id"], [("wifi.md", b"# Guest wifi\n\nThe guest wifi is open.\n")]
    )
    await wait_for_ingestion(client, admin_headers, documents["id"])
    await _notes_connector(client, admin_headers, assistant["id"])
    events = await chat(
        client, assistant_id=assistant["id"], session_id=new_session_id(), message="What about the wifi?"
    )
    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert {s["type"] for s in sources} == {"md", "note"}  # the document's chunk and the note


async def test_deleting_runs_the_kinds_clean_up_after_the_commit(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    connector = await _notes_connector(client, admin_headers, assistant["id"])
    deleted = await client.delete(f"/api/v1/connectors/{connector['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert notes_kind.DELETED[-1].hex == connector["id"].replace("-", "")
    gone = await client.get(f"/api/v1/connectors/{connector['id']}", headers=admin_headers)
    assert gone.status_code == 404


async def test_unknown_kinds_are_refused_naming_the_known_ones(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json={"type": "wiki"}, headers=admin_headers
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_connector_type"
    assert all(name in response.json()["detail"] for name in ("documents", "sql", "notes"))
