"""Widget keys: chat only, only from their listed origins (server-side Origin check), with
CORS on the chat stream for those origins and no credentials; /widget.js is served."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from askwell.settings import Settings
from tests.apikeys.helpers import issue_key
from tests.conftest import answer_text, bearer, create_assistant, new_session_id

SHOP = "http://shop.example.test:8080"
STREAM = "/api/v1/chat/stream"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_api_key": "3/minute"})


async def _widget_key(
    client: httpx.AsyncClient, admin_headers: dict[str, str], assistant_id: str
) -> dict[str, Any]:
    return await issue_key(
        client,
        admin_headers,
        [assistant_id],
        kind="widget",
        allowed_origins=[SHOP + "/", "https://b.example"],
    )


def _chat_body(assistant_id: str, message: str = "hello") -> dict[str, Any]:
    return {"message": message, "assistant_id": assistant_id, "session_id": new_session_id()}


async def test_a_widget_key_chats_from_its_origin_with_cors(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    created = await _widget_key(client, admin_headers, assistant["id"])
    assert created["kind"] == "widget"
    assert created["allowed_origins"] == ["http://shop.example.test:8080", "https://b.example"]

    response = await client.post(
        STREAM, json=_chat_body(assistant["id"]), headers={**bearer(created["key"]), "Origin": SHOP}
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]
    events = [httpx.Response(200, content=line).json() for line in response.content.splitlines() if line]
    assert answer_text(events).startswith("You asked: hello")


async def test_a_widget_key_is_refused_from_another_or_no_origin(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    key = (await _widget_key(client, admin_headers, assistant["id"]))["key"]
    evil = "https://evil.example"
    other = await client.post(
        STREAM, json=_chat_body(assistant["id"]), headers={**bearer(key), "Origin": evil}
    )
    assert other.status_code == 403 and other.json()["code"] == "widget_origin_forbidden"
    assert evil in other.json()["detail"]
    # The refusal is readable by the page, so the widget can say why; nothing else is.
    assert other.headers["access-control-allow-origin"] == evil
    missing = await client.post(STREAM, json=_chat_body(assistant["id"]), headers=bearer(key))
    assert missing.status_code == 403 and missing.json()["code"] == "widget_origin_missing"
    # A listed origin's look-alike is another origin.
    https_shop = SHOP.replace("http://", "https://")
    lookalike = await client.post(
        STREAM, json=_chat_body(assistant["id"]), headers={**bearer(key), "Origin": https_shop}
    )
    assert lookalike.status_code == 403


async def test_a_widget_key_only_chats(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    headers = {**bearer((await _widget_key(client, admin_headers, assistant["id"]))["key"]), "Origin": SHOP}
    session_id = new_session_id()
    for method, path, body in (
        ("GET", "/api/v1/chat/sessions", None),
        ("GET", f"/api/v1/chat/{session_id}/history", None),
        ("DELETE", f"/api/v1/chat/{session_id}", None),
        ("POST", f"/api/v1/assistants/{assistant['id']}/search", {"query": "x"}),
        (
            "POST",
            "/v1/chat/completions",
            {"model": assistant["id"], "messages": [{"role": "user", "content": "x"}]},
        ),
        ("GET", "/v1/models", None),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.status_code, response.text)
        assert "widget_key_chat_only" in response.text or "api_key_not_allowed" in response.text, path
    for method, path in (
        ("GET", "/api/v1/api-keys"),
        ("GET", "/api/v1/assistants/" + assistant["id"] + "/connectors"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status_code == 403, (path, response.text)


async def test_a_widget_key_keeps_its_rate_limit(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    headers = {**bearer((await _widget_key(client, admin_headers, assistant["id"]))["key"]), "Origin": SHOP}
    codes = [
        (await client.post(STREAM, json=_chat_body(assistant["id"]), headers=headers)).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


async def test_preflight_on_the_chat_stream_only(client: httpx.AsyncClient) -> None:
    preflight = {
        "Origin": SHOP,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = await client.options(STREAM, headers=preflight)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in response.headers
    admin = await client.options("/api/v1/api-keys", headers=preflight)
    assert "access-control-allow-origin" not in admin.headers
    # A user's (or server key's) answer is never readable cross-origin.
    plain = await client.post(STREAM, json={"message": "x"}, headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in plain.headers


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "widget"}, "needs allowed_origins"),
        (
            {"kind": "widget", "allowed_origins": ["https://a.example"], "actions": ["chat", "search"]},
            "exactly",
        ),
        ({"allowed_origins": ["https://a.example"]}, "widget keys only"),
        ({"kind": "widget", "allowed_origins": ["https://*.example"]}, "not an origin"),
        ({"kind": "widget", "allowed_origins": ["https://a.example/path"]}, "not an origin"),
        ({"kind": "widget", "allowed_origins": ["javascript:alert(1)"]}, "not an origin"),
    ],
)
async def test_bad_widget_keys_are_clear_422s(
    client: httpx.AsyncClient, admin_headers: dict[str, str], fields: dict[str, Any], problem: str
) -> None:
    assistant = await create_assistant(client, admin_headers)
    body = {"name": "w", "assistant_ids": [assistant["id"]], "actions": ["chat"], **fields}
    response = await client.post("/api/v1/api-keys", json=body, headers=admin_headers)
    assert response.status_code == 422 and problem in response.text, response.text


async def test_server_keys_are_unchanged(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    created = await issue_key(client, admin_headers, [assistant["id"]])
    assert created["kind"] == "server" and created["allowed_origins"] == []
    response = await client.post(STREAM, json=_chat_body(assistant["id"]), headers=bearer(created["key"]))
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
