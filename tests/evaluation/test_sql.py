"""SQL execution accuracy in a run: the answer's query result against an expected query or result."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx

from askwell.settings import Settings
from tests.conftest import create_assistant
from tests.models import ANALYST

EXAMPLES = [
    {"question": "How many regions are there?", "sql": "SELECT COUNT(*) AS regions FROM regions"},
    {"question": "Which regions are there?", "sql": "SELECT name FROM regions ORDER BY name"},
]


async def test_sql_execution_accuracy(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    database = settings.data_dir / "regions.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE regions (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO regions (name) VALUES (?)", [("North",), ("South",), ("West",)])
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    connector = {"type": "sql", "config": {"url": f"sqlite:///{database}", "examples": EXAMPLES}}
    created = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json=connector, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    rows = [
        # the gold query is run on the assistant's database; its column name differs: still right
        {"question": "How many regions are there?", "expected_sql": "SELECT COUNT(*) FROM regions"},
        {"question": "Which regions are there?", "expected_result": [["North"], ["South"]]},  # one short
        {
            "question": "Which regions are there?",
            "expected_result": {"columns": ["name"], "rows": [["West"], ["North"], ["South"]]},
        },
    ]
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    uploaded = await client.post(
        f"/api/v1/assistants/{assistant['id']}/evaluation-sets",
        files={"file": ("sql.jsonl", body, "application/x-ndjson")},
        headers=admin_headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    started = await client.post(
        f"/api/v1/evaluation-sets/{uploaded.json()['id']}/runs", headers=admin_headers
    )
    assert started.status_code == 202, started.text
    for _ in range(600):
        run = (
            await client.get(f"/api/v1/evaluation-runs/{started.json()['id']}", headers=admin_headers)
        ).json()
        if run["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert run["status"] == "done", run
    assert run["metrics"]["sql_execution_accuracy"] == 2 / 3
    questions = (
        await client.get(f"/api/v1/evaluation-runs/{run['id']}/questions", headers=admin_headers)
    ).json()["items"]
    assert [q["scores"]["sql_correct"] for q in questions] == [True, False, True]
    assert questions[1]["sql"].startswith("SELECT name FROM regions")
    assert questions[1]["sql_result"]["rows"] == [["North"], ["South"], ["West"]]
