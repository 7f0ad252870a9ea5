"""A SQL connector made over the API gets its schema snapshot without anyone pressing "test":
as a job on creation and when its URL changes, lazily by the first chat, or on a refresh."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import chat, create_assistant, new_session_id
from tests.models import ANALYST


def _database(path: Path, table: str) -> Path:
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, city TEXT)")
        db.execute(f"INSERT INTO {table} (city) VALUES ('Lyon'), ('Oslo')")
    return path


async def _connector(client: httpx.AsyncClient, headers: dict[str, str], connector_id: str) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/connectors/{connector_id}", headers=headers)).json())


async def _snapshot_tables(
    client: httpx.AsyncClient, headers: dict[str, str], connector_id: str
) -> list[str]:
    async with asyncio.timeout(30):
        while True:  # the job runs in the background: poll the connector as the admin page does
            config = (await _connector(client, headers, connector_id))["config"]
            if "schema" in config:
                return [t["name"] for t in config["schema"]["tables"]]
            await asyncio.sleep(0.05)


async def test_a_new_connector_gets_its_snapshot_and_a_new_url_a_new_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assistant = await create_assistant(client, admin_headers)
    first = _database(tmp_path / "shop.db", "stores")
    created = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "config": {"url": f"sqlite:///{first}"}},
        headers=admin_headers,
    )
    connector = created.json()
    assert await _snapshot_tables(client, admin_headers, connector["id"]) == ["stores"]
    renamed = await client.patch(  # same database: the snapshot stands
        f"/api/v1/connectors/{connector['id']}",
        json={"config": {"description": "Shops"}},
        headers=admin_headers,
    )
    assert "schema" in renamed.json()["config"]
    second = _database(tmp_path / "depots.db", "depots")
    moved = await client.patch(
        f"/api/v1/connectors/{connector['id']}",
        json={"config": {"url": f"sqlite:///{second}"}},
        headers=admin_headers,
    )
    assert moved.status_code == 200
    assert await _snapshot_tables(client, admin_headers, connector["id"]) == ["depots"]


async def test_the_first_chat_takes_a_missing_snapshot_and_a_refresh_retakes_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any, tmp_path: Path
) -> None:
    database = _database(tmp_path / "shop.db", "stores")
    example = {"question": "How many stores are there?", "sql": "SELECT COUNT(*) AS stores FROM stores"}
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    await app.state.runtime.jobs.close()  # no job runs: only the chat can take the snapshot
    created = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "config": {"url": f"sqlite:///{database}", "examples": [example]}},
        headers=admin_headers,
    )
    connector = created.json()
    assert "schema" not in connector["config"]
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How many stores are there?",
    )
    assert next(e for e in events if e["type"] == "table")["rows"] == [[2]]
    assert "schema" in (await _connector(client, admin_headers, connector["id"]))["config"]

    await app.state.runtime.jobs.start()
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE staff (id INTEGER PRIMARY KEY)")
    refresh = await client.post(f"/api/v1/connectors/{connector['id']}/refresh", headers=admin_headers)
    assert refresh.status_code == 202  # job_id None: the creation's job still waits, and will do
    async with asyncio.timeout(30):
        while True:
            if await _snapshot_tables(client, admin_headers, connector["id"]) == ["staff", "stores"]:
                break
            await asyncio.sleep(0.05)
