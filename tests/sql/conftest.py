"""Fixtures of the SQL tests: the Chinook demo database (built once per run), and an assistant
answering from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.sql.demo import (
    DEMO_DESCRIPTION,
    DEMO_DOCS,
    DEMO_EXAMPLES,
    build_chinook,
    download_fixture,
    find_fixture,
)
from tests.conftest import create_assistant
from tests.models import ANALYST


@pytest.fixture(scope="session")
def chinook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chinook")
    fixture = find_fixture() or download_fixture(folder / "cache")
    return build_chinook(folder / "chinook.sqlite", fixture=fixture)


async def sql_assistant(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    *,
    model: str = ANALYST,
    assistant: dict[str, Any] | None = None,
    **config: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assistant (new, or the one given) with a tested SQL connector to `url`, with the
    Chinook demo's description, notes and examples."""
    assistant = assistant or await create_assistant(client, headers, model=model)
    body = {
        "type": "sql",
        "name": "Chinook",
        "config": {
            "url": url,
            "description": DEMO_DESCRIPTION,
            "docs": DEMO_DOCS,
            "examples": DEMO_EXAMPLES,
            **config,
        },
    }
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=headers
    )
    assert response.status_code == 201, response.text
    connector = response.json()
    tested = await client.post(f"/api/v1/connectors/{connector['id']}/test", headers=headers)
    assert tested.status_code == 200 and tested.json()["ok"] is True, tested.text
    return assistant, connector
