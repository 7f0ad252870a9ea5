"""Admins see the queue (depth, running, failed jobs) and can retry a failed job; no one else can."""

from __future__ import annotations

import asyncio

import httpx

from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion


async def test_admins_see_jobs_and_retry_a_failed_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    await upload(client, admin_headers, connector["id"], [("ok.md", b"# Fine\n\ntext\n"), ("empty.txt", b"")])
    await wait_for_ingestion(client, admin_headers, connector["id"])

    queue = (await client.get("/api/v1/jobs/queue", headers=admin_headers)).json()
    assert queue["backend"] == "inprocess"
    assert queue["counts"] == {"queued": 0, "running": 0, "done": 1, "failed": 1}
    assert queue["failed_last_hour"] == 1
    [failed] = (await client.get("/api/v1/jobs?state=failed", headers=admin_headers)).json()
    assert failed["task"] == "ingest_document" and failed["attempts"] == 1
    assert "empty" in failed["last_error"]  # the parser's reason, as the document has it
    everything = (await client.get("/api/v1/jobs?limit=10", headers=admin_headers)).json()
    assert {j["state"] for j in everything} == {"done", "failed"}

    retried = await client.post(f"/api/v1/jobs/{failed['id']}/retry", headers=admin_headers)
    assert retried.status_code == 200 and retried.json()["state"] == "queued"
    async with asyncio.timeout(30):  # the document was failed already: watch the queue instead
        while True:
            counts = (await client.get("/api/v1/jobs/queue", headers=admin_headers)).json()["counts"]
            if counts["queued"] == counts["running"] == 0:
                break
            await asyncio.sleep(0.1)
    [still] = (await client.get("/api/v1/jobs?state=failed", headers=admin_headers)).json()
    assert still["id"] == failed["id"] and still["attempts"] == 1  # an empty file stays empty
    [done] = (await client.get("/api/v1/jobs?state=done", headers=admin_headers)).json()
    refused = await client.post(f"/api/v1/jobs/{done['id']}/retry", headers=admin_headers)
    assert refused.status_code == 409 and refused.json()["code"] == "job_not_failed"

    for path in ("/api/v1/jobs/queue", "/api/v1/jobs"):
        assert (await client.get(path, headers=member_headers)).status_code == 403
        assert (await client.get(path)).status_code == 401
    missing = await client.post(
        "/api/v1/jobs/00000000-0000-0000-0000-000000000000/retry", headers=admin_headers
    )
    assert missing.status_code == 404
