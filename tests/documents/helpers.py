"""Uploading files and waiting for their ingestion, for the document tests."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.conftest import create_assistant

TERMINAL = {"ready", "failed"}


async def documents_assistant(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    assistant = await create_assistant(client, headers, **fields)
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json={"type": "documents"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return assistant, dict(response.json())


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], connector_id: str, files: list[tuple[str, bytes]]
) -> httpx.Response:
    parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
    return await client.post(f"/api/v1/connectors/{connector_id}/documents", files=parts, headers=headers)


async def wait_for_ingestion(
    client: httpx.AsyncClient, headers: dict[str, str], connector_id: str, *, timeout_s: float = 120
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = await client.get(f"/api/v1/connectors/{connector_id}/documents", headers=headers)
        assert response.status_code == 200, response.text
        documents = list(response.json())
        if all(d["status"] in TERMINAL for d in documents):
            return documents
        assert time.monotonic() < deadline, f"ingestion did not finish: {documents}"
        await asyncio.sleep(0.1)


async def search(
    client: httpx.AsyncClient,
    assistant_id: str,
    query: str,
    *,
    mode: str = "hybrid",
    top_k: int = 5,
    headers: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    response = await client.post(
        f"/api/v1/assistants/{assistant_id}/search",
        json={"query": query, "mode": mode, "top_k": top_k},
        headers=headers or {},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])
