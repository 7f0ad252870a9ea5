"""Behaviour that needs a real server and real sockets: disconnects and a Redis outage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, REDIS_URL, require_service
from tests.server import askwell_command, free_port, running_redis, running_server

pytestmark = pytest.mark.server


def _cli(data_dir: Path, *args: str, **env: str) -> str:
    result = subprocess.run(
        [askwell_command(), *args],
        env={**os.environ, "ASKWELL_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def _make_assistant(data_dir: Path, model: str) -> str:
    out = _cli(data_dir, "assistants", "create", f"a-{uuid.uuid4().hex[:6]}", "--model", model)
    return out.strip().rsplit("(", 1)[1].rstrip(")")


def _chat(base_url: str, assistant_id: str, session_id: str, message: str) -> list[dict[str, Any]]:
    body = {"message": message, "assistant_id": assistant_id, "session_id": session_id}
    response = httpx.post(f"{base_url}/api/v1/chat/stream", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def _answer(events: list[dict[str, Any]]) -> str:
    assert events[-1]["type"] == "done" and not [e for e in events if e["type"] == "error"]
    return "".join(e["content"] for e in events if e["type"] == "token")


def _history(base_url: str, session_id: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{base_url}/api/v1/chat/{session_id}/history", timeout=10).json()["messages"])


def test_disconnect_mid_stream_keeps_the_partial_answer(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assistant_id = _make_assistant(data_dir, "scripted:slow")  # ~20 ms a token, ~200 tokens
    session_id = f"s-{uuid.uuid4().hex}"
    with running_server(data_dir) as base_url:
        tokens = 0
        body = {"message": "tell me a long story", "assistant_id": assistant_id, "session_id": session_id}
        with (
            httpx.Client(timeout=30) as client,
            client.stream("POST", f"{base_url}/api/v1/chat/stream", json=body) as response,
        ):
            for line in response.iter_lines():
                event = json.loads(line)
                assert event["type"] != "done"
                tokens += event["type"] == "token"
                if tokens == 5:
                    break  # leaving the block closes the connection mid-stream

        deadline = time.monotonic() + 10
        while len(messages := _history(base_url, session_id)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        user, bot = messages
        assert user["text"] == "tell me a long story"
        assert bot["interrupted"] is True
        assert bot["text"].startswith("You asked: tell me a")
        # Generation stopped soon after the disconnect instead of running to the end.
        full_answer_words = 20 * 12  # the scripted answer, said 20 times
        assert 5 <= len(bot["text"].split()) < full_answer_words / 2
        generate = next(s for s in bot["steps"] if s["step_id"] == "generate")
        assert generate["status"] == "error"


def test_redis_outage_degrades_and_memory_comes_back_from_the_database(tmp_path: Path) -> None:
    require_service(REDIS_URL, "Redis")  # this test needs redis-server installed
    redis_port = free_port()
    data_dir = tmp_path / "data"
    assistant_id = _make_assistant(data_dir, "scripted:echo")
    session_id = f"s-{uuid.uuid4().hex}"
    env = {"ASKWELL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "ASKWELL_REDIS_TIMEOUT_S": "0.3"}
    with running_server(data_dir, **env) as base_url:
        with running_redis(redis_port):
            assert "I remember 0 earlier" in _answer(_chat(base_url, assistant_id, session_id, "first"))
            assert "I remember 2 earlier" in _answer(_chat(base_url, assistant_id, session_id, "second"))
        # Redis is gone now: chats keep working, with memory rebuilt from the database.
        for turn, remembered in ((3, 4), (4, 6)):
            started = time.monotonic()
            answer = _answer(_chat(base_url, assistant_id, session_id, f"turn {turn}"))
            assert f"I remember {remembered} earlier messages. Your first question was: first" in answer
            assert time.monotonic() - started < 5
        # Redis comes back empty; memory is still complete.
        with running_redis(redis_port):
            time.sleep(5.5)  # past the store's back-off after the outage
            answer = _answer(_chat(base_url, assistant_id, session_id, "turn 5"))
            assert "I remember 8 earlier messages. Your first question was: first" in answer
            answer = _answer(_chat(base_url, assistant_id, session_id, "turn 6"))
            assert "I remember 10 earlier messages" in answer
        assert len(_history(base_url, session_id)) == 12


def test_cli_created_admin_can_log_in_to_the_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _cli(data_dir, "users", "create", "root@example.org", "--admin", ASKWELL_NEW_USER_PASSWORD=PASSWORD)
    with running_server(data_dir) as base_url:
        token = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": "root@example.org", "password": PASSWORD}
        ).json()["access_token"]
        me = httpx.get(f"{base_url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "admin"


@pytest.fixture(autouse=True)
def _needs_console_script() -> None:
    if not shutil.which("askwell", path=str(Path(askwell_command()).parent)):
        pytest.skip("askwell is not installed")
