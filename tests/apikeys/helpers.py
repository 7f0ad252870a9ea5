"""Issuing API keys for the tests (apikeys, openai_compat)."""

from __future__ import annotations

from typing import Any

import httpx


async def issue_key(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    assistant_ids: list[str],
    actions: tuple[str, ...] = ("chat",),
    **fields: Any,
) -> dict[str, Any]:
    """A new key's creation response (its `key` is the secret, shown this once)."""
    body = {"name": "integration", "assistant_ids": assistant_ids, "actions": list(actions), **fields}
    response = await client.post("/api/v1/api-keys", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
