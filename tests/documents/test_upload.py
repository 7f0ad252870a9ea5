"""Uploading documents: validation, background ingestion, dedup, replacement, deletion."""

from __future__ import annotations

import httpx

from askwell.settings import Settings
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion

GUIDE = b"""# Askwell guide

## Installation

Run make run on a fresh machine. The installer builds llama.cpp once and caches the wheel.

## Backups

Backups are written every night at 02:00 to the folder named vault-omega.
"""
NOTES = b"Plain notes.\n\nThe quarterly target is 4,200 units for the Lisbon team.\n"


async def test_upload_is_accepted_at_once_then_ingested(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    response = await upload(
        client, admin_headers, connector["id"], [("guide.md", GUIDE), ("notes.txt", NOTES)]
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert [(d["name"], d["status"]) for d in created] == [("guide.md", "queued"), ("notes.txt", "queued")]

    documents = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert {d["name"]: d["status"] for d in documents} == {"guide.md": "ready", "notes.txt": "ready"}
    assert all(d["chunks"] >= 1 and d["progress"] == 1.0 and d["error"] is None for d in documents)
    assert {d["type"] for d in documents} == {"md", "txt"}
    one = await client.get(f"/api/v1/documents/{created[0]['id']}", headers=admin_headers)
    assert one.status_code == 200 and one.json()["name"] == "guide.md"


async def test_unsupported_type_is_415_listing_supported_types(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    response = await upload(
        client, admin_headers, connector["id"], [("ok.txt", NOTES), ("tool.exe", b"MZ\x90\x00")]
    )
    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "unsupported_file_type"
    assert "tool.exe" in body["detail"] and "pdf" in body["detail"] and "docx" in body["detail"]
    listed = await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    assert listed.json() == []  # nothing of the batch was kept


async def test_file_over_the_size_limit_is_413(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.runtime.settings = app.state.runtime.settings.model_copy(update={"max_upload_mb": 1})
    _, connector = await documents_assistant(client, admin_headers)
    response = await upload(client, admin_headers, connector["id"], [("big.txt", b"word " * 300_000)])
    assert response.status_code == 413
    assert "big.txt" in response.json()["detail"]


async def test_empty_file_fails_with_a_reason(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    await upload(client, admin_headers, connector["id"], [("empty.txt", b""), ("notes.txt", NOTES)])
    documents = {d["name"]: d for d in await wait_for_ingestion(client, admin_headers, connector["id"])}
    assert documents["empty.txt"]["status"] == "failed"
    assert "empty" in documents["empty.txt"]["error"]
    assert documents["notes.txt"]["status"] == "ready"  # a failed file never blocks the others


async def test_reupload_unchanged_is_free_and_changed_replaces_chunks(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    first = (await upload(client, admin_headers, connector["id"], [("notes.txt", NOTES)])).json()[0]
    ready = (await wait_for_ingestion(client, admin_headers, connector["id"]))[0]

    again = (await upload(client, admin_headers, connector["id"], [("notes.txt", NOTES)])).json()[0]
    assert again["id"] == first["id"] and again["status"] == "ready"
    unchanged = (await client.get(f"/api/v1/documents/{first['id']}", headers=admin_headers)).json()
    assert unchanged["updated_at"] == ready["updated_at"]  # no new ingestion ran

    changed = b"Plain notes.\n\nThe quarterly target is now 9,900 units for the Porto team.\n"
    replaced = (await upload(client, admin_headers, connector["id"], [("notes.txt", changed)])).json()[0]
    assert replaced["id"] == first["id"]
    await wait_for_ingestion(client, admin_headers, connector["id"])
    results = await search(client, assistant["id"], "quarterly target units team", mode="keyword")
    assert len(results) == 1
    assert "Porto" in results[0]["content"] and "Lisbon" not in results[0]["content"]


async def test_deleted_document_never_comes_back(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    docs = (
        await upload(client, admin_headers, connector["id"], [("guide.md", GUIDE), ("notes.txt", NOTES)])
    ).json()
    await wait_for_ingestion(client, admin_headers, connector["id"])
    assert any(
        "vault-omega" in r["content"] for r in await search(client, assistant["id"], "nightly backups folder")
    )

    guide_id = next(d["id"] for d in docs if d["name"] == "guide.md")
    assert (await client.delete(f"/api/v1/documents/{guide_id}", headers=admin_headers)).status_code == 204
    assert (await client.get(f"/api/v1/documents/{guide_id}", headers=admin_headers)).status_code == 404
    for mode in ("hybrid", "keyword", "vector"):
        results = await search(client, assistant["id"], "nightly backups folder vault-omega", mode=mode)
        assert all(r["metadata"]["document_id"] != guide_id for r in results), mode
        assert all("vault-omega" not in r["content"] for r in results), mode


async def test_members_cannot_manage_documents(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    assert (await upload(client, member_headers, connector["id"], [("notes.txt", NOTES)])).status_code == 403
    assert (
        await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=member_headers)
    ).status_code == 403
    assert (await client.get(f"/api/v1/assistants/{assistant['id']}/connectors")).status_code == 401


async def test_unfinished_jobs_resume_after_a_restart(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A document left mid-ingestion by a stopped server is finished by the next one."""
    from sqlalchemy import update

    from askwell.app import create_app
    from askwell.documents.models import Document

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await http.post("/api/v1/auth/register", json={"email": "a@b.cd", "password": "long enough pw"})
            token = (
                await http.post(
                    "/api/v1/auth/token", data={"username": "a@b.cd", "password": "long enough pw"}
                )
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            _, connector = await documents_assistant(http, headers)
            await upload(http, headers, connector["id"], [("notes.txt", NOTES)])
            await wait_for_ingestion(http, headers, connector["id"])
        runtime = app.state.runtime
        async with runtime.session_factory() as session:  # pretend the server died while parsing
            await session.execute(update(Document).values(status="parsing", progress=0.3))
            await session.commit()

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            documents = await wait_for_ingestion(http, headers, connector["id"])
            assert [d["status"] for d in documents] == ["ready"]


async def test_chats_are_answered_while_100_files_ingest(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.conftest import answer_text, chat, new_session_id

    assistant, connector = await documents_assistant(client, admin_headers, model="scripted:echo")
    files = [
        (
            f"report-{n:03d}.txt",
            "\n\n".join(f"Report {n} paragraph {p}: " + "figures and notes " * 30 for p in range(4)).encode(),
        )
        for n in range(100)
    ]
    assert (await upload(client, admin_headers, connector["id"], files)).status_code == 202

    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message="status?")
    assert events[-1]["type"] == "done" and "You asked: status?" in answer_text(events)
    during = (
        await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    ).json()
    assert any(d["status"] != "ready" for d in during)  # the chat did not wait for the ingestion

    documents = await wait_for_ingestion(client, admin_headers, connector["id"], timeout_s=300)
    assert len(documents) == 100 and {d["status"] for d in documents} == {"ready"}
