"""A run on the production queue: the API only sends the job to Redis, a worker process runs it."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from askwell.runtime import Runtime
from askwell.settings import Settings
from tests.conftest import bearer, create_assistant, login, register, require_service
from tests.server import free_port, running_redis


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the queue is the subject here, not the database


@pytest.fixture
def redis_port() -> Iterator[int]:
    require_service(shutil.which("redis-server"), "redis-server")
    port = free_port()
    with running_redis(port):
        yield port


@pytest.fixture
def settings(settings: Settings, redis_port: int) -> Settings:
    overrides: dict[str, Any] = {
        "redis_url": f"redis://127.0.0.1:{redis_port}/0",
        "jobs_backend": "redis",
        "jobs_queue": f"test-eval-{uuid.uuid4().hex[:8]}",
        "_env_file": None,
    }
    return Settings(**{**settings.model_dump(), **overrides})


@pytest.fixture
async def worker(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[Runtime]:
    runtime = await Runtime.start(settings, role="worker", run_migrations=False)  # the API migrated
    try:
        yield runtime
    finally:
        await runtime.close()


async def test_a_worker_runs_the_evaluation(client: httpx.AsyncClient, worker: Runtime) -> None:
    await register(client, "admin@example.org")
    headers = bearer(await login(client, "admin@example.org"))
    assistant = await create_assistant(client, headers)
    uploaded = await client.post(
        f"/api/v1/assistants/{assistant['id']}/evaluation-sets",
        files={
            "file": ("s.csv", b"question,expected_answer\nWhat is VACUUM?,It rebuilds the file\n", "text/csv")
        },
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    started = await client.post(f"/api/v1/evaluation-sets/{uploaded.json()['id']}/runs", headers=headers)
    assert started.status_code == 202, started.text
    run_path = f"/api/v1/evaluation-runs/{started.json()['id']}"
    for _ in range(300):  # polling the run, as the admin's screen does
        run = (await client.get(run_path, headers=headers)).json()
        if run["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.2)
    assert run["status"] == "done", run
    assert run["metrics"]["answer_f1"] is not None
    assert run["metrics"]["questions"] == 1
