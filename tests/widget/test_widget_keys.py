"""Widget keys: chat only, only from their listed origins (server-side Origin check), with
CORS on the chat stream for those origins and no credentials; /widget.js is served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.settings import Settings
from tests.apikeys.helpers import issue_key
from tests.conftest import answer_text, bearer, create_assistant, new_session_id

SHOP = "http://shop.example.test:8080"
STREAM = "/api/v1/chat/stream"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    web_dir = tmp_path / "web"
    web_dir.mkdir()
    return settings.model_copy(update={"rate_limit_api_key": "3/minute", "web_dir": web_dir})


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
    # Not even the refusal is readable from an unlisted origin (the browser would not have
    # sent it: its preflight is refused).
    assert "access-control-allow-origin" not in other.headers
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
    responses = [
        await client.post(STREAM, json=_chat_body(assistant["id"]), headers=headers) for _ in range(4)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    # The page can read the 429, so the widget can ask the visitor to wait.
    assert responses[-1].headers["access-control-allow-origin"] == SHOP


_PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_preflight_only_for_origins_a_valid_widget_key_lists(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def preflight(origin: str, path: str = STREAM) -> httpx.Response:
        return await client.options(path, headers={**_PREFLIGHT, "Origin": origin})

    # Before any widget key lists it, the origin is refused, with a code and no CORS grant.
    before = await preflight(SHOP)
    assert before.status_code == 403 and before.json()["code"] == "widget_origin_forbidden"
    assert SHOP in before.json()["detail"]
    assert "access-control-allow-origin" not in before.headers

    assistant = await create_assistant(client, admin_headers)
    created = await _widget_key(client, admin_headers, assistant["id"])
    response = await preflight(SHOP)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]
    for unlisted in ("https://evil.example", "null", SHOP.replace("http://", "https://")):
        refused = await preflight(unlisted)
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    # Only the chat stream answers other sites: an admin route grants nothing.
    admin = await preflight(SHOP, "/api/v1/api-keys")
    assert "access-control-allow-origin" not in admin.headers
    # A user's (or server key's) answer is never readable cross-origin.
    plain = await client.post(STREAM, json={"message": "x"}, headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in plain.headers

    # Revoked, the key no longer opens its origins.
    revoked = await client.post(f"/api/v1/api-keys/{created['id']}/revoke", headers=admin_headers)
    assert revoked.status_code == 200
    assert (await preflight(SHOP)).status_code == 403


async def test_the_origin_check_tells_a_refused_page_why(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """What the widget asks after a bare network error: readable from any page (a simple
    GET, `*`), and answering just what the preflight does."""

    async def check(origin: str | None) -> httpx.Response:
        return await client.get("/api/v1/widget/origin", headers={"Origin": origin} if origin else {})

    before = await check(SHOP)
    assert before.status_code == 200 and before.json() == {"origin": SHOP, "allowed": False}
    assert before.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in before.headers
    assert before.headers["cache-control"] == "no-store"  # it changes when a key is made

    assistant = await create_assistant(client, admin_headers)
    created = await _widget_key(client, admin_headers, assistant["id"])
    assert (await check(SHOP)).json()["allowed"] is True
    assert (await check("https://evil.example")).json()["allowed"] is False
    assert (await check(None)).json() == {"origin": None, "allowed": False}

    await client.post(f"/api/v1/api-keys/{created['id']}/revoke", headers=admin_headers)
    assert (await check(SHOP)).json()["allowed"] is False


async def test_widget_js_is_served_as_a_script_any_site_may_load(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.web_dir is not None
    missing = await client.get("/widget.js")
    assert missing.status_code == 404 and missing.json()["code"] == "widget_not_built"
    (settings.web_dir / "widget.js").write_text('var AskwellWidget=(function(){"use strict"})();')

    response = await client.get("/widget.js")
    assert response.status_code == 200 and "AskwellWidget" in response.text
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"
    # A page's headers would govern nothing on a script, and Askwell's pages keep theirs.
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers
    page = await client.get("/api/v1/health")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "cross-origin-resource-policy" not in page.headers


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
