"""Who may call what: every route of the app (its OpenAPI schema, plus the few routes kept out
of it) against seven principals (an API key among them), with the expected status of each in ONE table below.

A route the app has and the table lacks fails the test, and so does a row for a route that
is gone: a new endpoint must say who may call it. The requests carry valid bodies on
resources that exist, so a refusal is the rule at work, not a 404 or a 422 of the input.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.app import create_app
from askwell.settings import Settings
from tests.security.authorization import EVAL_SET, PRINCIPALS, World, build_world

# anonymous: no token. member: the session's owner. other: another member. admin.
# deactivated: an account deactivated after it logged in, with that token.
# expired: the member's token, past its expiry. A token that names no valid user counts as
# no token, so on the public routes those two are served as anonymous callers.
# key: an API key for the assistant, to chat and search: refused (403) on every route that
# needs a user, served as its key on chat, search and /v1, and as nobody on public reads.
# /mcp takes API keys only: any other credential, a user's token too, is a 401 there.
MATRIX = """
method  path                                          anonymous member other admin deactivated expired  key
GET     /healthz                                      200       200    200   200   200         200  200
GET     /readyz                                       200       200    200   200   200         200  200
GET     /metrics                                      200       200    200   200   200         200  200
GET     /api/v1/health                                200       200    200   200   200         200  200
GET     /api/v1/openapi.json                          200       200    200   200   200         200  200
GET     /api/v1/docs                                  200       200    200   200   200         200  200
GET     /docs/oauth2-redirect                         200       200    200   200   200         200  200
GET     /redoc                                        200       200    200   200   200         200  200
POST    /api/v1/auth/register                         201       201    201   201   201         201  201
POST    /api/v1/auth/token                            200       200    200   200   200         200  200
GET     /api/v1/users/me                              401       200    200   200   401         401  403
GET     /api/v1/users                                 401       403    403   200   401         401  403
POST    /api/v1/users                                 401       403    403   201   401         401  403
PATCH   /api/v1/users/{user_id}                       401       403    403   200   401         401  403
GET     /api/v1/models                                401       403    403   200   401         401  403
GET     /api/v1/assistants                            200       200    200   200   200         200  200
POST    /api/v1/assistants                            401       403    403   201   401         401  403
GET     /api/v1/assistants/{assistant_id}             200       200    200   200   200         200  200
PATCH   /api/v1/assistants/{assistant_id}             401       403    403   200   401         401  403
DELETE  /api/v1/assistants/{assistant_id}             401       403    403   204   401         401  403
POST    /api/v1/assistants/{assistant_id}/search      200       200    200   200   200         200  200
POST    /api/v1/chat/stream                           200       200    200   200   200         200  200
GET     /api/v1/chat/sessions                         401       200    200   200   401         401  403
GET     /api/v1/chat/{session_id}/history             404       200    404   404   404         404  404
PATCH   /api/v1/chat/{session_id}                     404       200    404   404   404         404  404
DELETE  /api/v1/chat/{session_id}                     404       200    404   404   404         404  404
PUT     /api/v1/chat/{session_id}/messages/{message_id}/feedback 404 200 404 404 404       404  404
DELETE  /api/v1/chat/{session_id}/messages/{message_id}/feedback 404 204 404 404 404       404  404
GET     /api/v1/chat/{session_id}/export              404       200    404   404   404         404  404
GET     /api/v1/assistants/{assistant_id}/feedback    401       403    403   200   401         401  403
GET     /api/v1/assistants/{assistant_id}/feedback/export 401   403    403   200   401         401  403
POST    /api/v1/assistants/{assistant_id}/evaluation-sets 401   403    403   201   401         401  403
GET     /api/v1/assistants/{assistant_id}/evaluation-sets 401   403    403   200   401         401  403
DELETE  /api/v1/evaluation-sets/{set_id}              401       403    403   204   401         401  403
POST    /api/v1/evaluation-sets/{set_id}/runs         401       403    403   202   401         401  403
GET     /api/v1/assistants/{assistant_id}/evaluation-runs 401   403    403   200   401         401  403
GET     /api/v1/evaluation-runs/{run_id}              401       403    403   200   401         401  403
GET     /api/v1/evaluation-runs/{run_id}/questions    401       403    403   200   401         401  403
DELETE  /api/v1/evaluation-runs/{run_id}              401       403    403   204   401         401  403
GET     /api/v1/assistants/{assistant_id}/connectors  401       403    403   200   401         401  403
POST    /api/v1/assistants/{assistant_id}/connectors  401       403    403   201   401         401  403
GET     /api/v1/connectors/{connector_id}             401       403    403   200   401         401  403
PATCH   /api/v1/connectors/{connector_id}             401       403    403   200   401         401  403
DELETE  /api/v1/connectors/{connector_id}             401       403    403   204   401         401  403
POST    /api/v1/connectors/{connector_id}/test        401       403    403   200   401         401  403
POST    /api/v1/connectors/{connector_id}/refresh     401       403    403   202   401         401  403
POST    /api/v1/connectors/{connector_id}/documents   401       403    403   202   401         401  403
GET     /api/v1/connectors/{connector_id}/documents   401       403    403   200   401         401  403
GET     /api/v1/documents/{document_id}               401       403    403   200   401         401  403
DELETE  /api/v1/documents/{document_id}               401       403    403   204   401         401  403
GET     /api/v1/jobs                                  401       403    403   200   401         401  403
GET     /api/v1/jobs/queue                            401       403    403   200   401         401  403
POST    /api/v1/jobs/{job_id}/retry                   401       403    403   200   401         401  403
GET     /api/v1/api-keys                              401       403    403   200   401         401  403
POST    /api/v1/api-keys                              401       403    403   201   401         401  403
GET     /api/v1/api-keys/{key_id}                     401       403    403   200   401         401  403
GET     /api/v1/api-keys/{key_id}/usage               401       403    403   200   401         401  403
POST    /api/v1/api-keys/{key_id}/revoke              401       403    403   200   401         401  403
GET     /v1/models                                    401       200    200   200   401         401  200
GET     /widget.js                                    200       200    200   200   200         200  200
GET     /api/v1/widget/origin                         200       200    200   200   200         200  200
POST    /v1/chat/completions                          401       200    200   200   401         401  200
POST    /mcp                                          401       401    401   401   401         401  200
"""


def _parse(table: str) -> dict[tuple[str, str], dict[str, int]]:
    header, *rows = (line.split() for line in table.strip().splitlines())
    assert tuple(header[2:]) == PRINCIPALS, header
    parsed: dict[tuple[str, str], dict[str, int]] = {}
    for method, path, *codes in rows:
        assert (method, path) not in parsed, f"two rows for {method} {path}"
        assert len(codes) == len(PRINCIPALS), f"{method} {path}: one status per principal"
        parsed[(method, path)] = dict(zip(PRINCIPALS, map(int, codes), strict=True))
    return parsed


EXPECTED = _parse(MATRIX)

# --- how to call each route: its path filled in, a valid body --------------------------------
# The routes that destroy get a resource of their own when the caller may succeed, so the
# shared one stays for the other rows (and the refused calls are checked to have left it).

Request = tuple[str, dict[str, Any]]
Builder = Callable[[World, str], Awaitable[Request]]


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _fixed(path: str, **kwargs: Any) -> Builder:
    async def build(world: World, principal: str) -> Request:
        return path.format(**world.ids), dict(kwargs)

    return build


def _made(build_: Callable[[World, str], Request]) -> Builder:
    async def build(world: World, principal: str) -> Request:
        return build_(world, principal)

    return build


async def _delete_assistant(world: World, principal: str) -> Request:
    assistant = await world.fresh_assistant() if principal == "admin" else world.ids["assistant"]
    return f"/api/v1/assistants/{assistant}", {}


async def _delete_connector(world: World, principal: str) -> Request:
    connector = await world.fresh_connector() if principal == "admin" else world.ids["connector"]
    return f"/api/v1/connectors/{connector}", {}


async def _delete_document(world: World, principal: str) -> Request:
    document = await world.fresh_document() if principal == "admin" else world.ids["document"]
    return f"/api/v1/documents/{document}", {}


async def _reset_session(world: World, principal: str) -> Request:
    session = await world.fresh_session() if principal == "member" else world.ids["session"]
    return f"/api/v1/chat/{session}", {}


async def _revoke_key(world: World, principal: str) -> Request:
    # The shared key is the "key" principal's credential: only a fresh one may be revoked.
    key = await world.fresh_api_key() if principal == "admin" else world.ids["api_key"]
    return f"/api/v1/api-keys/{key}/revoke", {}


async def _delete_eval_set(world: World, principal: str) -> Request:
    eval_set = await world.fresh_eval_set() if principal == "admin" else world.ids["eval_set"]
    return f"/api/v1/evaluation-sets/{eval_set}", {}


async def _delete_eval_run(world: World, principal: str) -> Request:
    run = await world.fresh_eval_run() if principal == "admin" else world.ids["eval_run"]
    return f"/api/v1/evaluation-runs/{run}", {}


async def _bot_message(world: World, session: str) -> str:
    history = await world.call("member", "GET", f"/api/v1/chat/{session}/history")
    return str(history.json()["messages"][1]["id"])


async def _rate(world: World, principal: str) -> Request:
    session = world.ids["session"]
    path = f"/api/v1/chat/{session}/messages/{await _bot_message(world, session)}/feedback"
    return path, {"json": {"rating": "down", "comment": "wrong"}}


async def _unrate(world: World, principal: str) -> Request:
    # The member withdraws feedback from a session of its own, so there is some to withdraw.
    session = await world.fresh_session() if principal == "member" else world.ids["session"]
    path = f"/api/v1/chat/{session}/messages/{await _bot_message(world, session)}/feedback"
    if principal == "member":
        rated = await world.call("member", "PUT", path, json={"rating": "up"})
        assert rated.status_code == 200, rated.text
    return path, {}


def _chat(world: World, principal: str) -> Request:
    body = {"message": "hello", "assistant_id": world.ids["assistant"], "session_id": f"s-{uuid.uuid4().hex}"}
    return "/api/v1/chat/stream", {"json": body}


REQUESTS: dict[tuple[str, str], Builder] = {
    ("POST", "/api/v1/auth/register"): _made(
        lambda w, p: (
            "/api/v1/auth/register",
            {"json": {"email": f"{_unique(p)}@example.org", "password": "x" * 12}},
        )
    ),
    ("POST", "/api/v1/auth/token"): _fixed(
        "/api/v1/auth/token", data={"username": "target@example.org", "password": "a long password"}
    ),
    ("POST", "/api/v1/users"): _made(
        lambda w, p: ("/api/v1/users", {"json": {"email": f"{_unique(p)}@example.org", "password": "x" * 12}})
    ),
    ("PATCH", "/api/v1/users/{user_id}"): _fixed("/api/v1/users/{user}", json={"name": "Renamed"}),
    ("POST", "/api/v1/assistants"): _made(
        lambda w, p: ("/api/v1/assistants", {"json": {"name": _unique(p)}})
    ),
    ("GET", "/api/v1/assistants/{assistant_id}"): _fixed("/api/v1/assistants/{assistant}"),
    ("PATCH", "/api/v1/assistants/{assistant_id}"): _fixed(
        "/api/v1/assistants/{assistant}", json={"description": "changed"}
    ),
    ("DELETE", "/api/v1/assistants/{assistant_id}"): _delete_assistant,
    ("POST", "/api/v1/assistants/{assistant_id}/search"): _fixed(
        "/api/v1/assistants/{assistant}/search", json={"query": "text"}
    ),
    ("POST", "/api/v1/chat/stream"): _made(_chat),
    ("GET", "/api/v1/chat/{session_id}/history"): _fixed("/api/v1/chat/{session}/history"),
    ("PATCH", "/api/v1/chat/{session_id}"): _fixed("/api/v1/chat/{session}", json={"title": "Renamed"}),
    ("DELETE", "/api/v1/chat/{session_id}"): _reset_session,
    ("PUT", "/api/v1/chat/{session_id}/messages/{message_id}/feedback"): _rate,
    ("DELETE", "/api/v1/chat/{session_id}/messages/{message_id}/feedback"): _unrate,
    ("GET", "/api/v1/chat/{session_id}/export"): _fixed("/api/v1/chat/{session}/export"),
    ("GET", "/api/v1/assistants/{assistant_id}/feedback"): _fixed("/api/v1/assistants/{assistant}/feedback"),
    ("GET", "/api/v1/assistants/{assistant_id}/feedback/export"): _fixed(
        "/api/v1/assistants/{assistant}/feedback/export"
    ),
    ("POST", "/api/v1/assistants/{assistant_id}/evaluation-sets"): _fixed(
        "/api/v1/assistants/{assistant}/evaluation-sets",
        files={"file": ("set.jsonl", EVAL_SET, "application/x-ndjson")},
    ),
    ("GET", "/api/v1/assistants/{assistant_id}/evaluation-sets"): _fixed(
        "/api/v1/assistants/{assistant}/evaluation-sets"
    ),
    ("DELETE", "/api/v1/evaluation-sets/{set_id}"): _delete_eval_set,
    ("POST", "/api/v1/evaluation-sets/{set_id}/runs"): _fixed("/api/v1/evaluation-sets/{eval_set}/runs"),
    ("GET", "/api/v1/assistants/{assistant_id}/evaluation-runs"): _fixed(
        "/api/v1/assistants/{assistant}/evaluation-runs"
    ),
    ("GET", "/api/v1/evaluation-runs/{run_id}"): _fixed("/api/v1/evaluation-runs/{eval_run}"),
    ("GET", "/api/v1/evaluation-runs/{run_id}/questions"): _fixed(
        "/api/v1/evaluation-runs/{eval_run}/questions"
    ),
    ("DELETE", "/api/v1/evaluation-runs/{run_id}"): _delete_eval_run,
    ("GET", "/api/v1/assistants/{assistant_id}/connectors"): _fixed(
        "/api/v1/assistants/{assistant}/connectors"
    ),
    ("POST", "/api/v1/assistants/{assistant_id}/connectors"): _fixed(
        "/api/v1/assistants/{assistant}/connectors", json={"type": "documents"}
    ),
    ("GET", "/api/v1/connectors/{connector_id}"): _fixed("/api/v1/connectors/{connector}"),
    ("PATCH", "/api/v1/connectors/{connector_id}"): _fixed(
        "/api/v1/connectors/{connector}", json={"name": "Renamed"}
    ),
    ("DELETE", "/api/v1/connectors/{connector_id}"): _delete_connector,
    ("POST", "/api/v1/connectors/{connector_id}/test"): _fixed("/api/v1/connectors/{sql_connector}/test"),
    ("POST", "/api/v1/connectors/{connector_id}/refresh"): _fixed(
        "/api/v1/connectors/{sql_connector}/refresh"
    ),
    ("POST", "/api/v1/connectors/{connector_id}/documents"): _fixed(
        "/api/v1/connectors/{connector}/documents",
        files=[("files", ("new.md", b"# New\n\ntext\n", "text/markdown"))],
    ),
    ("GET", "/api/v1/connectors/{connector_id}/documents"): _fixed(
        "/api/v1/connectors/{connector}/documents"
    ),
    ("GET", "/api/v1/documents/{document_id}"): _fixed("/api/v1/documents/{document}"),
    ("DELETE", "/api/v1/documents/{document_id}"): _delete_document,
    ("POST", "/api/v1/jobs/{job_id}/retry"): _fixed("/api/v1/jobs/{job}/retry"),
    ("POST", "/api/v1/api-keys"): _made(
        lambda w, p: (
            "/api/v1/api-keys",
            {"json": {"name": _unique(p), "assistant_ids": [w.ids["assistant"]], "actions": ["chat"]}},
        )
    ),
    ("GET", "/api/v1/api-keys/{key_id}"): _fixed("/api/v1/api-keys/{api_key}"),
    ("GET", "/api/v1/api-keys/{key_id}/usage"): _fixed("/api/v1/api-keys/{api_key}/usage"),
    ("POST", "/api/v1/api-keys/{key_id}/revoke"): _revoke_key,
    # A JSON-RPC request over the MCP transport; a key's answer lists its tools.
    ("POST", "/mcp"): _fixed(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    ),
    ("POST", "/v1/chat/completions"): _made(
        lambda w, p: (
            "/v1/chat/completions",
            {"json": {"model": w.ids["assistant"], "messages": [{"role": "user", "content": "hello"}]}},
        )
    ),
}


def _app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app answers: its OpenAPI schema, and its own routes kept out
    of the schema (the docs); the web app's catch-all pages are not API routes."""
    routes = {(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops}
    return routes | set(_hidden_routes(app.routes))


def _hidden_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """The routes kept out of the schema, in included routers too (FastAPI keeps an included
    router whole, under its prefix, rather than copying its routes into the app's list)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _hidden_routes(included.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None) and not getattr(route, "include_in_schema", True):
            yield from ((m, prefix + route.path) for m in route.methods if m != "HEAD")


@pytest.fixture
def backend() -> str:
    return "sqlite"  # authorization does not depend on the database: one back-end keeps it fast


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # The matrix registers and logs in more than a minute's sign-up quota; rate limits have
    # their own tests (tests/ratelimit, test_jwt's brute-force ones).
    # The widget's script is a built file: a stand-in, so /widget.js answers without a build.
    web_dir = tmp_path / "web"
    web_dir.mkdir()
    (web_dir / "widget.js").write_text("var AskwellWidget;")
    overrides = {"rate_limits_enabled": False, "web_dir": web_dir, "_env_file": None}
    return Settings(**{**settings.model_dump(), **overrides})


def test_every_route_has_a_row_and_every_row_a_route(settings: Settings) -> None:
    routes = _app_routes(create_app(settings))
    missing = sorted(routes - EXPECTED.keys())
    gone = sorted(EXPECTED.keys() - routes)
    assert not missing, f"routes without a row in MATRIX (say who may call them): {missing}"
    assert not gone, f"rows in MATRIX for routes the app no longer has: {gone}"
    assert not REQUESTS.keys() - EXPECTED.keys(), "a request builder for a route that is gone"


async def test_each_principal_gets_the_status_the_matrix_says(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await build_world(client, settings)
    started = time.monotonic()
    wrong = []
    for (method, path), expected in EXPECTED.items():
        build = REQUESTS.get((method, path), _fixed(path))
        for principal in PRINCIPALS:
            url, kwargs = await build(world, principal)
            response = await world.call(principal, method, url, **kwargs)
            if response.status_code != expected[principal]:
                got = f"{response.status_code} {response.text[:200]}"
                wrong.append(f"{method} {path} as {principal}: expected {expected[principal]}, got {got}")
    print(f"{len(EXPECTED)} routes x {len(PRINCIPALS)} principals in {time.monotonic() - started:.1f} s")
    assert not wrong, "\n".join(wrong)

    # The refused calls changed nothing: the shared resources are still there and whole.
    shared = (
        "assistants/{assistant}",
        "connectors/{connector}",
        "documents/{document}",
        "evaluation-runs/{eval_run}",
    )
    for path in shared:
        assert (await world.call("admin", "GET", "/api/v1/" + path.format(**world.ids))).status_code == 200
    history = await world.call("member", "GET", f"/api/v1/chat/{world.ids['session']}/history")
    assert len(history.json()["messages"]) == 2
    assert history.json()["messages"][0]["text"] == "hello"


async def test_no_one_else_sees_a_members_sessions_in_their_list(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await build_world(client, settings)
    for principal in ("other", "admin"):
        listed = (await world.call(principal, "GET", "/api/v1/chat/sessions")).json()
        assert world.ids["session"] not in {s["id"] for s in listed}
    listed = (await world.call("member", "GET", "/api/v1/chat/sessions")).json()
    assert [s["id"] for s in listed] == [world.ids["session"]]


async def test_the_models_list_shows_no_credentials_of_the_model_server(
    app: Any, client: httpx.AsyncClient, settings: Settings
) -> None:
    app.state.runtime.settings.openai_base_url = (
        "https://user:s3cret-pass@models.example:8443/v1?api_key=s3cret-key#frag"
    )
    world = await build_world(client, settings)
    assert (await world.call("member", "GET", "/api/v1/models")).status_code == 403
    response = await world.call("admin", "GET", "/api/v1/models")
    assert response.status_code == 200
    assert "s3cret" not in response.text and "user" not in response.text.replace("users", "")
    [openai] = [m for m in response.json()["models"] if m["provider"] == "openai"]
    assert openai["notes"] == "https://models.example:8443/v1"
