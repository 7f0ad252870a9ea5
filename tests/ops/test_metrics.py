"""/metrics: what a chat, a search and the SQL route record, and who may read it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import text

from askwell.db import create_engine
from askwell.ops import metrics
from askwell.settings import Settings
from tests.conftest import chat, create_assistant, new_session_id
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion
from tests.models import ANALYST, RETRYING_ANALYST, STUCK_ANALYST
from tests.ops.conftest import metric_value, scrape, serving

CITIES = "How many cities are there?"


async def test_a_chat_moves_latency_token_and_http_metrics(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers, model="scripted:echo")
    before = await scrape(client)
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message="hi")
    assert events[-1]["type"] == "done"
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return metric_value(after, name, **labels) - metric_value(before, name, **labels)

    model = {"model": "scripted:echo"}
    assert moved("askwell_chat_stream_duration_seconds_count", **model, outcome="ok") == 1
    assert moved("askwell_chat_stream_duration_seconds_sum", **model) > 0
    assert moved("askwell_chat_first_token_seconds_count", **model) == 1
    usage = events[-1]["usage"]
    assert moved("askwell_chat_prompt_tokens_total", **model) == usage["prompt_tokens"] > 0
    assert moved("askwell_chat_completion_tokens_total", **model) == usage["completion_tokens"] > 0
    stream = {"method": "POST", "route": "/api/v1/chat/stream", "status": "2xx"}
    assert moved("askwell_http_request_duration_seconds_count", **stream) == 1
    route = {"route": "/api/v1/assistants/{assistant_id}", "status": "4xx"}
    await client.get("/api/v1/assistants/not-a-uuid", headers=admin_headers)
    assert metric_value(await scrape(client), "askwell_http_request_duration_seconds_count", **route) >= 1
    for name in ("askwell_db_pool_checked_out", "askwell_sql_route_outcomes_total"):
        assert f"\n{name}" in after


async def test_a_failed_turn_is_counted_as_an_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers, model="scripted:fail")
    labels = {"model": "scripted:fail", "outcome": "error"}
    before = metric_value(await scrape(client), "askwell_chat_stream_duration_seconds_count", **labels)
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id())
    assert "error" in [e["type"] for e in events]
    after = metric_value(await scrape(client), "askwell_chat_stream_duration_seconds_count", **labels)
    assert after - before == 1


async def test_retrieval_latency_is_observed(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    await upload(client, admin_headers, connector["id"], [("notes.txt", b"The office opens at 8:00.\n")])
    documents = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert {d["status"] for d in documents} == {"ready"}
    name = "askwell_retrieval_duration_seconds_count"
    before = metric_value(await scrape(client), name)
    await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message="When is it open?")
    assert metric_value(await scrape(client), name) - before == 1


@pytest.fixture
def cities(tmp_path: Path) -> Path:
    path = tmp_path / "cities.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE city (name TEXT, country TEXT, population INTEGER)")
        rows = [("Zurich", "CH", 421878), ("Lyon", "FR", 522250)]
        db.executemany("INSERT INTO city VALUES (?, ?, ?)", rows)
    return path


async def _sql_assistant(
    client: httpx.AsyncClient, headers: dict[str, str], database: Path, model: str
) -> dict[str, Any]:
    assistant = await create_assistant(client, headers, model=model)
    config = {
        "url": f"sqlite:///{database}",
        "description": "Cities and their population.",
        "examples": [{"question": CITIES, "sql": "SELECT COUNT(*) AS cities FROM city"}],
    }
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "name": "Cities", "config": config},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    tested = await client.post(f"/api/v1/connectors/{response.json()['id']}/test", headers=headers)
    assert tested.status_code == 200 and tested.json()["ok"] is True, tested.text
    return assistant


@pytest.mark.parametrize(
    ("model", "question", "outcome"),
    [
        (ANALYST, CITIES, "answered"),
        (RETRYING_ANALYST, CITIES, "rescued"),  # its first query does not parse
        (STUCK_ANALYST, CITIES, "failed"),
        (ANALYST, "Delete all the cities", "refused"),
    ],
)
async def test_sql_route_outcomes_are_counted(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    cities: Path,
    model: str,
    question: str,
    outcome: str,
    backend: str,
) -> None:
    if backend != "sqlite":
        pytest.skip("the SQL route's outcomes do not depend on the application database")
    assistant = await _sql_assistant(client, admin_headers, cities, model)
    name = "askwell_sql_route_outcomes_total"
    before = await scrape(client)
    await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message=question)
    after = await scrape(client)
    moved = {
        o: metric_value(after, name, outcome=o) - metric_value(before, name, outcome=o)
        for o in metrics.SQL_OUTCOMES
    }
    assert moved == {o: 1 if o == outcome else 0 for o in metrics.SQL_OUTCOMES}


def _sqlite_settings(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(data_dir=tmp_path, default_model="scripted:echo", _env_file=None, **fields)  # type: ignore[call-arg]


async def test_metrics_answer_loopback_clients_only_by_default(tmp_path: Path) -> None:
    async with serving(_sqlite_settings(tmp_path), client=("10.0.0.5", 123)) as (_, remote):
        response = await remote.get("/metrics")
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert "ASKWELL_METRICS_TOKEN" in response.json()["detail"]
        assert (await remote.get("/healthz")).status_code == 200  # probes stay open
    for loopback in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        async with serving(_sqlite_settings(tmp_path), client=(loopback, 123)) as (_, local):
            assert (await local.get("/metrics")).status_code == 200


async def test_a_metrics_token_is_required_from_everyone_when_set(tmp_path: Path) -> None:
    settings = _sqlite_settings(tmp_path, metrics_token=SecretStr("s3cret-token"))
    for address in ("10.0.0.5", "127.0.0.1"):
        async with serving(settings, client=(address, 123)) as (_, http):
            missing = await http.get("/metrics")
            assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
            assert right.status_code == 200 and "askwell_http_request_duration_seconds" in right.text


async def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    async with serving(_sqlite_settings(tmp_path, metrics_enabled=False)) as (_, http):
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/healthz")).status_code == 200


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_queue_depth_follows_the_latest_counts() -> None:
    metrics.set_queue_depth({"queued": 3, "running": 1})
    assert _value("askwell_job_queue_depth", state="queued") == 3
    metrics.set_queue_depth({"running": 2})
    assert _value("askwell_job_queue_depth", state="queued") == 0  # none left in that state
    assert _value("askwell_job_queue_depth", state="running") == 2


def test_job_runs_are_timed_and_failures_counted() -> None:
    done = _value("askwell_job_duration_seconds_count", task="t-ops", outcome="done")
    failed = _value("askwell_job_failures_total", task="t-ops", outcome="failed")
    metrics.observe_job("t-ops", "done", 0.2)
    metrics.observe_job("t-ops", "failed", 0.1)
    assert _value("askwell_job_duration_seconds_count", task="t-ops", outcome="done") == done + 1
    assert _value("askwell_job_failures_total", task="t-ops", outcome="failed") == failed + 1
    assert _value("askwell_job_failures_total", task="t-ops", outcome="done") == 0


async def test_the_pool_gauge_counts_checked_out_connections(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    metrics.watch_pool(engine)
    base = _value("askwell_db_pool_checked_out")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert _value("askwell_db_pool_checked_out") == base + 1
        assert _value("askwell_db_pool_checked_out") == base
    finally:
        await engine.dispose()
