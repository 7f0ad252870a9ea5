"""What the production topology survives, on real processes: PostgreSQL restarting, Redis away
for 10 s with jobs and chats under way, an API process killed mid-stream.

Each test starts its own servers (and where it stops one, its own PostgreSQL or Redis) on
127.0.0.1, bounded in time, and stops them by pid.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest

from askwell.settings import Settings
from tests.conftest import require_service
from tests.faults import postgres
from tests.faults.api import Client
from tests.faults.workers import running_worker
from tests.server import askwell_command, free_port, running_process, running_redis, running_server

pytestmark = pytest.mark.server

QUIET = {"ASKWELL_WARM_UP": "false", "ASKWELL_DEFAULT_MODEL": "scripted:echo"}


def _until(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_postgres_restart_gives_clean_503s_then_recovers_on_its_own(tmp_path: Path) -> None:
    if reason := postgres.available():
        require_service(None, reason)
    with (
        postgres.running_postgres(free_port()) as cluster,
        running_server(tmp_path / "data", ASKWELL_DATABASE_URL=cluster.url, **QUIET) as base_url,
    ):
        api = Client(base_url)
        api.become_admin()
        assistant_id, _ = api.assistant()
        session_id = f"s-{uuid.uuid4().hex}"
        assert "You asked: before" in api.answer(assistant_id, session_id, "before")

        cluster.stop()
        for _ in range(3):
            started = time.monotonic()
            listed = api.http.get("/api/v1/assistants")
            assert listed.status_code == 503, listed.text
            assert listed.json()["code"] == "database_unavailable"
            chat = api.chat(assistant_id, session_id, "during")
            assert chat.status_code == 503 and chat.json()["code"] == "database_unavailable"
            assert time.monotonic() - started < 10  # refused at once, not hung
        ready = api.http.get("/readyz")
        assert ready.status_code == 503 and "database" in ready.json()["failed"]
        assert api.http.get("/healthz").status_code == 200  # the process itself is fine

        cluster.start()
        _until(lambda: api.http.get("/api/v1/assistants").status_code == 200, 30, "the API to recover")
        assert "You asked: after" in api.answer(assistant_id, session_id, "after")
        assert [m["text"] for m in api.history(session_id) if m["sender"] == "user"] == ["before", "after"]
        assert api.http.get("/readyz").status_code == 200


def test_redis_away_for_10_s_loses_no_job_and_no_chat(
    settings: Settings, backend: str, database_url: str, tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("the Redis job queue is the production topology: PostgreSQL")
    require_service(os.environ.get("ASKWELL_TEST_REDIS_SERVER") or "redis-server", "redis-server")
    redis_port = free_port()
    env = {
        "ASKWELL_DATABASE_URL": database_url,
        "ASKWELL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ASKWELL_REDIS_TIMEOUT_S": "0.3",
        "ASKWELL_JOBS_BACKEND": "redis",
        "ASKWELL_JOBS_QUEUE": f"faults-{uuid.uuid4().hex[:8]}",
        "ASKWELL_JOB_RECONCILE_S": "0.5",
        "ASKWELL_JOB_HEARTBEAT_S": "0.5",
        "ASKWELL_JOB_STALE_AFTER_S": "3",
        **QUIET,
    }
    data_dir = tmp_path / "data"
    worker_settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env["ASKWELL_REDIS_URL"],
        jobs_backend="redis",
        jobs_queue=env["ASKWELL_JOBS_QUEUE"],
        job_reconcile_s=0.5,
        job_heartbeat_s=0.5,
        job_stale_after_s=3,
        _env_file=None,  # type: ignore[call-arg]
    )
    with running_server(data_dir, **env) as base_url:
        api = Client(base_url)
        with running_redis(redis_port), running_worker(worker_settings, tmp_path / "worker.log"):
            api.become_admin()
            assistant_id, connector_id = api.assistant(documents=True)
            session_id = f"s-{uuid.uuid4().hex}"
            assert "I remember 0 earlier" in api.answer(assistant_id, session_id, "first")
            api.upload(connector_id, [("before.md", b"# Before\n\nwritten before the outage\n")])  # type: ignore[arg-type]
            _until(lambda: api.documents(connector_id)[0]["status"] == "ready", 60, "the first file")  # type: ignore[arg-type]

        with running_worker(worker_settings, tmp_path / "worker.log"):
            outage_ends = time.monotonic() + 10  # Redis is down from here for 10 s
            files = [
                (f"during-{n}.md", f"# During {n}\n\nwritten while Redis was away\n".encode())
                for n in range(3)
            ]
            api.upload(connector_id, files)  # type: ignore[arg-type]
            answer = api.answer(assistant_id, session_id, "during")  # memory comes from the database
            assert "I remember 2 earlier messages. Your first question was: first" in answer
            statuses = {d["name"]: d["status"] for d in api.documents(connector_id)}  # type: ignore[arg-type]
            assert all(statuses[name] == "queued" for name, _ in files)  # waiting, not lost
            time.sleep(max(0.0, outage_ends - time.monotonic()))
            with running_redis(redis_port):  # back, and empty: the queue's stream is gone
                _until(
                    lambda: {d["status"] for d in api.documents(connector_id)} == {"ready"},  # type: ignore[arg-type]
                    90,
                    "the files uploaded during the outage",
                )
                answer = api.answer(assistant_id, session_id, "after")
                assert "I remember 4 earlier messages. Your first question was: first" in answer
        assert len(api.documents(connector_id)) == 4  # type: ignore[arg-type]


def test_an_api_process_killed_mid_stream_keeps_the_question_and_the_session(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("API processes share PostgreSQL in the production topology")
    data_dir = tmp_path / "data"
    env = {**os.environ, "ASKWELL_DATA_DIR": str(data_dir), "ASKWELL_DATABASE_URL": database_url, **QUIET}
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with running_process(
        [askwell_command(), "serve", "--port", str(port)],
        env=env,
        health_url=f"{base_url}/healthz",
        log_path=tmp_path / "first.log",
    ) as first:
        api = Client(base_url)
        api.become_admin()
        assistant_id, _ = api.assistant(model="scripted:slow")  # ~20 ms a word, ~200 words
        session_id = f"s-{uuid.uuid4().hex}"
        body = {"message": "tell me a long story", "assistant_id": assistant_id, "session_id": session_id}
        tokens = 0
        with httpx.stream("POST", f"{base_url}/api/v1/chat/stream", json=body, timeout=30) as response:
            for line in response.iter_lines():
                tokens += json.loads(line)["type"] == "token"
                if tokens == 5:
                    first.send_signal(signal.SIGKILL)  # nothing gets to clean up
                    break
        first.wait(timeout=10)

    with running_server(data_dir, ASKWELL_DATABASE_URL=database_url, **QUIET) as base_url:
        api = Client(base_url)
        assert [m["text"] for m in api.history(session_id)] == ["tell me a long story"]
        answer = api.answer(assistant_id, session_id, "are you still there?")
        assert answer.startswith("You asked: are you still there?")
        assert "Your first question was: tell me a long story" in answer
        assert [m["sender"] for m in api.history(session_id)] == ["user", "user", "bot"]
