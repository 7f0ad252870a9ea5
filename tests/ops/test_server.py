"""A real `askwell serve --workers 2`: metrics add up across the workers, logs are JSON lines
carrying the request id (uvicorn's access log included)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.ops.conftest import metric_value
from tests.server import askwell_command, free_port, running_process

pytestmark = pytest.mark.server

COUNT = "askwell_http_request_duration_seconds_count"
MAX_REQUESTS = 200  # bounded: the kernel hands connections to either worker, rarely all to one


def _served_by_each_worker(folder: Path, scratch: Path) -> dict[str, float]:
    """The /healthz requests each worker process counted, read from its own file alone."""
    counts = {}
    for path in folder.glob("histogram_*.db"):
        alone = scratch / path.stem
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.name)
        text = generate_latest(_registry_of(alone)).decode()
        counts[path.stem.split("_", 1)[1]] = metric_value(text, COUNT, route="/healthz")
    return {pid: count for pid, count in counts.items() if count}


def _registry_of(folder: Path) -> CollectorRegistry:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))
    return registry


def _json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_workers_share_their_metrics_and_log_json_with_request_ids(
    tmp_path: Path, backend: str, database_url: str, redis_url: str | None
) -> None:
    if backend != "postgres":
        pytest.skip("several server processes need PostgreSQL and Redis (SQLite is refused)")
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ASKWELL_DATA_DIR": str(tmp_path / "data"),
        "ASKWELL_DEFAULT_MODEL": "scripted:echo",
        "ASKWELL_WARM_UP": "false",
        "ASKWELL_LOG_FORMAT": "json",
        "ASKWELL_LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "ASKWELL_DATABASE_URL": database_url,
        "ASKWELL_REDIS_URL": str(redis_url),
        "ASKWELL_JOBS_BACKEND": "redis",
        "ASKWELL_JOBS_QUEUE": f"ops-{uuid.uuid4().hex[:8]}",
    }
    log = tmp_path / "server.log"
    with running_process(
        [askwell_command(), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        health_url=f"{base_url}/api/v1/health",  # not /healthz, whose requests the test counts
        log_path=log,
        start_timeout_s=90,
    ):
        assert not (folder / "counter_1.db").exists()  # serve empties the folder before the workers
        sent, served = 0, {}
        while len(served) < 2 and sent < MAX_REQUESTS:
            for _ in range(10):  # a connection each: httpx.get does not keep one open
                request_id = f"ops-{sent}"
                response = httpx.get(f"{base_url}/healthz", headers={"X-Request-ID": request_id}, timeout=10)
                assert response.status_code == 200 and response.headers["x-request-id"] == request_id
                sent += 1
            served = _served_by_each_worker(folder, tmp_path / "scratch")
        assert len(served) == 2, f"one worker served all {sent} requests"
        assert sum(served.values()) == sent
        for _ in range(6):  # whichever worker answers the scrape reports both workers' requests
            scrape = httpx.get(f"{base_url}/metrics", timeout=10)
            assert scrape.status_code == 200
            assert metric_value(scrape.text, COUNT, method="GET", route="/healthz", status="2xx") == sent

    lines = _json_lines(log)
    access = [line for line in lines if line["logger"] == "uvicorn.access" and line.get("path") == "/healthz"]
    assert len(access) == sent
    assert {line["request_id"] for line in access} == {f"ops-{n}" for n in range(sent)}
    assert all(line["status"] == 200 and line["method"] == "GET" for line in access)
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # uvicorn's own lines, as JSON too
    # Each worker let go of its live gauge (pool connections) when it stopped.
    assert not list(folder.glob("gauge_livesum_*.db"))
