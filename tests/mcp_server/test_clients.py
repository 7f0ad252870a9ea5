"""The MCP SDK's own client against Askwell over both transports: Streamable HTTP at /mcp on
a real server on 127.0.0.1, and stdio through an `askwell mcp` subprocess on the same data.
A document question answers with its sources; a data question on the Chinook SQL connector
with its SQL and rows, and a request to change data is still refused by the SQL guard."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import create_engine, update

from askwell.apikeys.models import ApiKey
from askwell.sql.demo import DEMO_DESCRIPTION, DEMO_DOCS, DEMO_EXAMPLES
from tests.conftest import PASSWORD
from tests.models import ANALYST
from tests.server import askwell_command, running_server

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = b"The Askwell refund policy: customers may return any item within 30 days for a full refund."


@dataclass
class Instance:
    base_url: str
    data_dir: Path
    env: dict[str, str]
    admin: dict[str, str]  # the admin's Authorization header, to issue and revoke keys
    key: str  # chat and search on both assistants
    search_key: str  # search only
    docs: dict[str, Any]
    data: dict[str, Any]
    outside: dict[str, Any]


def _setup(base_url: str, data_dir: Path, env: dict[str, str], chinook: Path) -> Instance:
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as http:
        assert http.post(
            "/api/v1/auth/register", json={"email": "admin@example.org", "password": PASSWORD}
        ).is_success
        token = http.post("/api/v1/auth/token", data={"username": "admin@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def assistant(name: str, model: str) -> dict[str, Any]:
            response = http.post("/api/v1/assistants", json={"name": name, "model": model}, headers=headers)
            assert response.status_code == 201, response.text
            return dict(response.json())

        def connector(target: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(f"/api/v1/assistants/{target['id']}/connectors", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return dict(response.json())

        docs, data = assistant("Policy Desk", "scripted:echo"), assistant("Music Shop", ANALYST)
        outside = assistant("Outside", "scripted:echo")
        folder = connector(docs, {"type": "documents"})
        files = [("files", ("refunds.txt", DOCUMENT, "text/plain"))]
        assert http.post(
            f"/api/v1/connectors/{folder['id']}/documents", files=files, headers=headers
        ).is_success
        deadline = time.monotonic() + 120
        while True:
            documents = http.get(f"/api/v1/connectors/{folder['id']}/documents", headers=headers).json()
            if documents and all(d["status"] == "ready" for d in documents):
                break
            assert time.monotonic() < deadline and all(d["status"] != "failed" for d in documents), documents
            time.sleep(0.2)
        config = {
            "url": f"sqlite:///{chinook}",
            "description": DEMO_DESCRIPTION,
            "docs": DEMO_DOCS,
            "examples": DEMO_EXAMPLES,
        }
        sql = connector(data, {"type": "sql", "name": "Chinook", "config": config})
        assert http.post(f"/api/v1/connectors/{sql['id']}/test", headers=headers).json()["ok"] is True

        def key(actions: list[str]) -> str:
            body = {"name": "mcp", "assistant_ids": [docs["id"], data["id"]], "actions": actions}
            response = http.post("/api/v1/api-keys", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return str(response.json()["key"])

        return Instance(
            base_url=base_url,
            data_dir=data_dir,
            env=env,
            admin=headers,
            key=key(["chat", "search"]),
            search_key=key(["search"]),
            docs=docs,
            data=data,
            outside=outside,
        )


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, chinook: Path) -> Iterator[Instance]:
    data_dir: Path = tmp_path_factory.mktemp("mcp") / "data"
    # The analyst model lives in tests/: the server and `askwell mcp` import it from the checkout.
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {
        "PYTHONPATH": pythonpath,
        "ASKWELL_FUNCTION_MODELS": "true",
        # The Chinook file is built once per run, outside this server's data folder.
        "ASKWELL_SQL_SQLITE_ALLOWED_DIRS": json.dumps([str(chinook.parent)]),
    }
    with running_server(data_dir, **env) as base_url:
        yield _setup(base_url, data_dir, env, chinook)


@pytest.fixture(scope="module")
def chinook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from askwell.sql.demo import build_chinook, download_fixture, find_fixture

    folder = tmp_path_factory.mktemp("chinook")
    return build_chinook(
        folder / "chinook.sqlite", fixture=find_fixture() or download_fixture(folder / "cache")
    )


@asynccontextmanager
async def connected(instance: Instance, transport: str, key: str) -> AsyncIterator[ClientSession]:
    if transport == "http":
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60, trust_env=False)
        async with (
            http,
            streamable_http_client(f"{instance.base_url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session
    else:
        environment = {
            **os.environ,
            **instance.env,
            "ASKWELL_DATA_DIR": str(instance.data_dir),
            "ASKWELL_LOG_LEVEL": "WARNING",
            "ASKWELL_API_KEY": key,
        }
        params = StdioServerParameters(
            command=askwell_command(), args=["mcp"], env=environment, cwd=str(ROOT)
        )
        with (instance.data_dir.parent / "mcp-stdio.log").open("a") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                yield session


TRANSPORTS = pytest.mark.parametrize("transport", ["http", "stdio"])


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


@TRANSPORTS
async def test_tools_and_the_assistants_a_key_may_use(instance: Instance, transport: str) -> None:
    async with connected(instance, transport, instance.key) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == {"assistants", "ask", "search"}
        assert set(tools["ask"].input_schema["required"]) == {"assistant", "question"}
        listed = _structured(await session.call_tool("assistants", {}))["assistants"]
    assert {a["name"] for a in listed} == {"Policy Desk", "Music Shop"}  # not "Outside"
    assert all(a["actions"] == ["ask", "search"] for a in listed)


@TRANSPORTS
async def test_a_document_question_answers_with_its_sources(instance: Instance, transport: str) -> None:
    async with connected(instance, transport, instance.key) as session:
        first = _structured(
            await session.call_tool(
                "ask", {"assistant": "Policy Desk", "question": "What is the refund policy?"}
            )
        )
        assert first["answer"].startswith("You asked: What is the refund policy?")
        assert "[1]" in first["answer"] and "refund" in first["answer"]
        (source, *_) = first["sources"]
        assert source["name"] == "refunds.txt" and "30 days" in source["content"]
        assert first["sql"] is None and first["table"] is None
        follow_up = _structured(
            await session.call_tool(
                "ask",
                {
                    "assistant": instance.docs["id"],
                    "question": "And after that?",
                    "session": first["session"],
                },
            )
        )
        assert "I remember 2 earlier messages" in follow_up["answer"]  # the same conversation
        passages = _structured(
            await session.call_tool("search", {"assistant": "policy-desk", "query": "refund", "top_k": 3})
        )["results"]
        assert passages[0]["name"] == "refunds.txt"


@TRANSPORTS
async def test_a_data_question_returns_sql_rows_and_the_guard_still_holds(
    instance: Instance, chinook: Path, transport: str
) -> None:
    before = _checksum(chinook)
    async with connected(instance, transport, instance.key) as session:
        answer = _structured(
            await session.call_tool(
                "ask", {"assistant": "Music Shop", "question": "How many tracks are there in each genre?"}
            )
        )
        assert "select" in answer["sql"].lower() and "genre" in answer["sql"].lower()
        assert answer["table"]["row_count"] == 25 and len(answer["table"]["rows"]) == 25
        assert "The result has" in answer["answer"], answer["answer"]
        assert answer["visualization"]["viz_type"] == "bar"
        refused = _structured(
            await session.call_tool(
                "ask", {"assistant": "Music Shop", "question": "Delete all the invoices from 2009"}
            )
        )
    assert refused["sql"] is None and refused["table"] is None
    assert "read-only" in refused["answer"]
    assert _checksum(chinook) == before


@TRANSPORTS
async def test_scope_is_enforced_as_tool_errors(instance: Instance, transport: str) -> None:
    async with connected(instance, transport, instance.search_key) as session:
        ask = await session.call_tool("ask", {"assistant": "Policy Desk", "question": "hi"})
        assert ask.is_error and "api_key_action_forbidden" in ask.content[0].text  # type: ignore[union-attr]
        outside = await session.call_tool("search", {"assistant": instance.outside["id"], "query": "refund"})
        assert outside.is_error and "assistant_not_found" in outside.content[0].text  # type: ignore[union-attr]
        assert _structured(
            await session.call_tool("search", {"assistant": "Policy Desk", "query": "refund"})
        )["results"]
        bad = await session.call_tool("search", {"assistant": "Policy Desk", "query": ""})
        assert bad.is_error


def test_http_without_a_valid_key_is_401(instance: Instance) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    for credential in (
        None,
        "Bearer ak_000000000000_wrong",
        f"Basic {instance.key}",
        f"Bearer {uuid.uuid4()}",
    ):
        sent = {**headers, **({"Authorization": credential} if credential else {})}
        response = httpx.post(f"{instance.base_url}/mcp", json=body, headers=sent, trust_env=False)
        assert response.status_code == 401, (credential, response.text)
        assert response.headers["www-authenticate"] == "Bearer"


def test_stdio_refuses_to_start_without_a_valid_key(instance: Instance) -> None:
    import subprocess

    base = {**os.environ, **instance.env, "ASKWELL_DATA_DIR": str(instance.data_dir)}
    base.pop("ASKWELL_API_KEY", None)
    missing = subprocess.run([askwell_command(), "mcp"], env=base, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "--key or ASKWELL_API_KEY" in missing.stderr
    wrong = subprocess.run(
        [askwell_command(), "mcp", "--key", "ak_000000000000_wrong"],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1 and "Invalid API key" in wrong.stderr


# --- a key's life: revoked and expired keys stop at their next call, scope hides the rest ----


def _issue(instance: Instance, assistant_ids: list[str]) -> tuple[str, str]:
    """A new key for chat and search on `assistant_ids`: its id and its secret."""
    body = {"name": "mcp-life", "assistant_ids": assistant_ids, "actions": ["chat", "search"]}
    response = httpx.post(
        f"{instance.base_url}/api/v1/api-keys", json=body, headers=instance.admin, trust_env=False
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"]), str(response.json()["key"])


def _revoke(instance: Instance, key_id: str) -> None:
    url = f"{instance.base_url}/api/v1/api-keys/{key_id}/revoke"
    response = httpx.post(url, headers=instance.admin, trust_env=False)
    assert response.status_code == 200 and response.json()["revoked_at"], response.text


def _expire(instance: Instance, key_id: str) -> None:
    """Move the key's expiry into the past, in the server's own database: the API takes only
    future expiries, and waiting for one to pass would make the test a matter of timing."""
    engine = create_engine(f"sqlite:///{instance.data_dir / 'askwell.db'}")
    try:
        with engine.begin() as db:
            past = datetime.now(UTC) - timedelta(seconds=1)
            db.execute(update(ApiKey).where(ApiKey.id == uuid.UUID(key_id)).values(expires_at=past))
    finally:
        engine.dispose()


async def _refused_at_the_next_call(session: ClientSession, transport: str) -> str:
    """What the client is told when its key no longer holds, on a connection made while it did.

    Over HTTP every POST is checked before the SDK sees it, so the call fails as a JSON-RPC
    error (the SDK raises it); over stdio the process was started with the key and each tool
    call authenticates it again, so the call comes back as a tool error."""
    arguments = {"assistant": "Policy Desk", "query": "refund"}
    if transport == "http":
        with pytest.raises(MCPError) as refused:
            await session.call_tool("search", arguments)
        return str(refused.value)
    result = await session.call_tool("search", arguments)
    assert result.is_error
    return str(result.content[0].text)  # type: ignore[union-attr]


@TRANSPORTS
async def test_a_revoked_key_is_refused_at_once(instance: Instance, transport: str) -> None:
    key_id, key = _issue(instance, [instance.docs["id"]])
    async with connected(instance, transport, key) as session:
        assert _structured(
            await session.call_tool("search", {"assistant": "Policy Desk", "query": "refund"})
        )["results"]
        _revoke(instance, key_id)
        assert "api_key_revoked" in await _refused_at_the_next_call(session, transport)
    if transport == "http":  # and a new connection is refused at its first request
        # (the SDK's task groups wrap the client's error in exception groups)
        with pytest.RaisesGroup(pytest.RaisesExc(MCPError, match="api_key_revoked"), flatten_subgroups=True):
            async with connected(instance, transport, key):
                pass


@TRANSPORTS
async def test_an_expired_key_is_refused(instance: Instance, transport: str) -> None:
    key_id, key = _issue(instance, [instance.docs["id"]])
    async with connected(instance, transport, key) as session:
        assert (await session.list_tools()).tools
        _expire(instance, key_id)
        assert "api_key_expired" in await _refused_at_the_next_call(session, transport)


def test_http_refusal_names_its_reason_in_json_rpc_and_askwell_shapes(instance: Instance) -> None:
    key_id, key = _issue(instance, [instance.docs["id"]])
    _revoke(instance, key_id)
    response = httpx.post(
        f"{instance.base_url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"},
        trust_env=False,
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "api_key_revoked" and body["detail"] == "This API key has been revoked"
    assert body["jsonrpc"] == "2.0" and body["error"]["data"] == {"code": "api_key_revoked"}


@TRANSPORTS
async def test_a_key_sees_nothing_of_an_assistant_outside_its_scope(
    instance: Instance, transport: str
) -> None:
    _, key = _issue(instance, [instance.docs["id"]])  # Policy Desk only, not Music Shop
    async with connected(instance, transport, key) as session:
        listed = _structured(await session.call_tool("assistants", {}))["assistants"]
        assert [a["name"] for a in listed] == ["Policy Desk"]
        for name in ("Music Shop", instance.data["id"], "music-shop"):
            ask = await session.call_tool("ask", {"assistant": name, "question": "How many tracks?"})
            assert ask.is_error and "assistant_not_found" in ask.content[0].text  # type: ignore[union-attr]
            search = await session.call_tool("search", {"assistant": name, "query": "tracks"})
            assert search.is_error and "assistant_not_found" in search.content[0].text  # type: ignore[union-attr]
        # The tools are the whole surface: no resource or template names an assistant either.
        resources = (await session.list_resources()).resources
        templates = (await session.list_resource_templates()).resource_templates
        shown = json.dumps([r.model_dump(mode="json") for r in [*resources, *templates]])
        assert "Music Shop" not in shown and instance.data["id"] not in shown
        # Nor does a tool's description or schema.
        tools = json.dumps([t.model_dump(mode="json") for t in (await session.list_tools()).tools])
        assert "Music Shop" not in tools and instance.data["id"] not in tools


def test_http_takes_post_only(instance: Instance) -> None:
    # Stateless: no session to end, nothing to push on a standing stream (a GET once held its
    # connection open for ever). The transport's spec lets a server answer both with 405.
    headers = {"Authorization": f"Bearer {instance.key}", "Accept": "text/event-stream"}
    for method in ("GET", "DELETE"):
        response = httpx.request(
            method, f"{instance.base_url}/mcp", headers=headers, timeout=30, trust_env=False
        )
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "POST"
