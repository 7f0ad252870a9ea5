"""Rate limits over the API, on SQLite + memory and on PostgreSQL + Redis: chat, upload, login,
sign-up; what a 429 says; who is counted apart; proxies; the switch; a Redis outage."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.app import create_app
from askwell.settings import Settings
from tests.conftest import PASSWORD, bearer, create_assistant, login, new_session_id, register
from tests.documents.helpers import documents_assistant, upload
from tests.server import free_port, running_redis

# Small limits, each with room for what the shared fixtures spend (admin_headers and
# member_headers register and log in twice from 127.0.0.1).
SMALL = {
    "rate_limit_chat_user": "3/minute",
    "rate_limit_chat_ip": "2/minute",
    "rate_limit_chat_assistant": "5/minute",
    "rate_limit_upload_user": "2/minute",
    "rate_limit_login_ip": "6/minute",
    "rate_limit_login_account": "3/minute",
    "rate_limit_register_ip": "4/minute",
}


@pytest.fixture
def overrides() -> dict[str, Any]:
    """A test's own settings on top of SMALL (parametrize `overrides` to change them)."""
    return {}


@pytest.fixture
def settings(settings: Settings, overrides: dict[str, Any]) -> Settings:
    return Settings(**{**settings.model_dump(), **SMALL, **overrides, "_env_file": None})


@asynccontextmanager
async def client_from(app: Any, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from `host` (the direct peer the app sees)."""
    transport = httpx.ASGITransport(app=app, client=(host, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as http:
        yield http


async def post_chat(
    client: httpx.AsyncClient, assistant_id: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"message": "hello", "assistant_id": assistant_id, "session_id": new_session_id()}
    return await client.post("/api/v1/chat/stream", json=body, headers=headers or {})


async def post_login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


def assert_limited(response: httpx.Response, message: str) -> int:
    """A 429 that says which limit and when; returns its Retry-After (seconds)."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/json")  # not a stream
    body = response.json()
    assert body["code"] == "rate_limited"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert body["detail"] == f"{message}; try again in {retry_after} s"
    return retry_after


async def test_chat_is_limited_per_user_before_the_stream_starts(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    for _ in range(3):
        assert (await post_chat(client, assistant["id"], member_headers)).status_code == 200
    limited = await post_chat(client, assistant["id"], member_headers)
    assert_limited(limited, "Too many chat messages from this user: 3 per minute")
    # Another user (same IP, same assistant) is counted apart.
    assert (await post_chat(client, assistant["id"], admin_headers)).status_code == 200


async def test_anonymous_chat_is_limited_per_ip(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    async with client_from(app, "10.0.0.9") as first, client_from(app, "10.0.0.10") as second:
        for _ in range(2):
            assert (await post_chat(first, assistant["id"])).status_code == 200
        assert_limited(
            await post_chat(first, assistant["id"]), "Too many chat messages from this address: 2 per minute"
        )
        assert (await post_chat(second, assistant["id"])).status_code == 200
        # Signed in, the same address counts per user instead.
        assert (await post_chat(first, assistant["id"], admin_headers)).status_code == 200


@pytest.mark.parametrize("overrides", [{"rate_limit_chat_user": "100/minute"}])
async def test_chat_is_limited_per_assistant_for_everyone_together(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    busy = await create_assistant(client, admin_headers)
    quiet = await create_assistant(client, admin_headers)
    for headers in (admin_headers, member_headers, admin_headers, member_headers, admin_headers):
        assert (await post_chat(client, busy["id"], headers)).status_code == 200
    limited = await post_chat(client, busy["id"], member_headers)
    assert_limited(limited, "Too many chat messages to this assistant: 5 per minute")
    assert (await post_chat(client, quiet["id"], member_headers)).status_code == 200


async def test_a_chat_refused_before_the_assistant_check_does_not_spend_its_quota(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    private = await create_assistant(client, admin_headers, user_authentication=True)
    for n in range(6):  # anonymous callers from many addresses are refused with 401 ...
        async with client_from(app, f"10.0.1.{n}") as anonymous:
            assert (await post_chat(anonymous, private["id"])).status_code == 401
    # ... and the assistant's own limit (5/minute) still lets its users in.
    assert (await post_chat(client, private["id"], admin_headers)).status_code == 200


async def test_uploads_are_limited_per_user(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    _assistant, connector = await documents_assistant(client, admin_headers)
    for n in range(2):
        response = await upload(client, admin_headers, connector["id"], [(f"note-{n}.txt", b"Some text.")])
        assert response.status_code == 202, response.text
    limited = await upload(client, admin_headers, connector["id"], [("late.txt", b"Some text.")])
    assert_limited(limited, "Too many uploads from this user: 2 per minute")
    listed = await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    assert sorted(d["name"] for d in listed.json()) == ["note-0.txt", "note-1.txt"]


async def test_login_is_limited_per_account_name_whatever_the_password(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    # admin_headers logged in once; two wrong passwords fill the account's 3/minute.
    for _ in range(2):
        assert (await post_login(client, "admin@example.org", "wrong password")).status_code == 401
    limited = await post_login(client, " Admin@Example.org ")  # the right one, spelled otherwise
    assert_limited(limited, "Too many login attempts for this account: 3 per minute")
    await register(client, "other@example.org")
    assert (await post_login(client, "other@example.org")).status_code == 200  # counted apart


async def test_login_is_limited_per_ip_across_accounts(app: Any, client: httpx.AsyncClient) -> None:
    async with client_from(app, "10.0.0.9") as sprayer, client_from(app, "10.0.0.10") as other:
        for n in range(6):
            assert (await post_login(sprayer, f"guess-{n}@example.org")).status_code == 401
        limited = await post_login(sprayer, "guess-6@example.org")
        assert_limited(limited, "Too many login attempts from this address: 6 per minute")
        assert (await post_login(other, "guess-6@example.org")).status_code == 401  # not 429


async def test_registration_is_limited_per_ip(app: Any, client: httpx.AsyncClient) -> None:
    async with client_from(app, "10.0.0.9") as first, client_from(app, "10.0.0.10") as second:
        for n in range(4):
            await register(first, f"user-{n}@example.org")
        body = {"email": "user-4@example.org", "password": PASSWORD}
        limited = await first.post("/api/v1/auth/register", json=body)
        assert_limited(limited, "Too many sign-ups from this address: 4 per minute")
        await register(second, "user-4@example.org")


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)

    async def chat_as(http: httpx.AsyncClient, forwarded: str) -> int:
        body = {"message": "hi", "assistant_id": assistant["id"], "session_id": new_session_id()}
        response = await http.post("/api/v1/chat/stream", json=body, headers={"X-Forwarded-For": forwarded})
        return response.status_code

    # Through the proxy on 127.0.0.1 (trusted by default), each forwarded client has its own count;
    # what a client writes to the left of the proxy's entry is ignored.
    assert [await chat_as(client, "203.0.113.5") for _ in range(2)] == [200, 200]
    assert await chat_as(client, "198.51.100.1, 203.0.113.5") == 429
    assert await chat_as(client, "203.0.113.6") == 200
    # From an untrusted peer the header proves nothing: the peer itself is counted.
    async with client_from(app, "10.0.0.9") as direct:
        assert [await chat_as(direct, f"203.0.113.{n}") for n in (7, 8, 9)] == [200, 200, 429]


@pytest.mark.parametrize("overrides", [{"trusted_proxies": ["10.0.0.0/24"]}])
async def test_trusted_proxies_can_be_networks(app: Any, client: httpx.AsyncClient) -> None:
    async with client_from(app, "10.0.0.9") as proxy:
        for n in range(6):
            response = await proxy.post(
                "/api/v1/auth/token",
                data={"username": "x@example.org", "password": "x"},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},  # six clients behind the proxy
            )
            assert response.status_code in (401, 429)
            assert response.status_code == (401 if n < 3 else 429)  # the account's limit, not the IP's
    # 127.0.0.1 is no longer trusted: its header is ignored and it is counted as itself.
    for n in range(6):
        status = (
            await client.post(
                "/api/v1/auth/token",
                data={"username": f"y{n}@example.org", "password": "x"},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            )
        ).status_code
        assert status == 401
    response = await client.post(
        "/api/v1/auth/token",
        data={"username": "z@example.org", "password": "x"},
        headers={"X-Forwarded-For": "192.0.2.99"},
    )
    assert_limited(response, "Too many login attempts from this address: 6 per minute")


@pytest.mark.parametrize("overrides", [{"rate_limits_enabled": False, "rate_limit_chat_ip": "1/minute"}])
async def test_the_master_switch_turns_every_limit_off(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    for _ in range(4):
        assert (await post_chat(client, assistant["id"])).status_code == 200
    for _ in range(5):
        assert (await post_login(client, "admin@example.org", "wrong")).status_code == 401


@pytest.mark.parametrize("overrides", [{"rate_limit_chat_ip": ""}])
async def test_an_empty_limit_is_off(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    statuses = [(await post_chat(client, assistant["id"])).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # only the assistant's 5/minute is left


# --- Redis down: the limiter lets requests through ----------------------------------------


def _outage_settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'askwell.db'}",
        redis_url=redis_url,
        redis_timeout_s=0.3,
        default_model="scripted:echo",
        _env_file=None,  # type: ignore[call-arg]
        **SMALL,
    )


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_from(app, "127.0.0.1") as http:
        yield http


async def test_with_redis_unreachable_requests_pass_and_one_warning_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    caplog.set_level(logging.WARNING, logger="askwell.ratelimit")
    started = time.monotonic()
    async with served(_outage_settings(tmp_path, closed)) as client:
        await register(client, "admin@example.org")
        headers = bearer(await login(client, "admin@example.org"))
        assistant = await create_assistant(client, headers)
        statuses = [(await post_chat(client, assistant["id"], headers)).status_code for _ in range(6)]
        assert statuses == [200] * 6  # 3/minute per user, were it counted
        assert [(await post_login(client, "admin@example.org")).status_code for _ in range(5)] == [200] * 5
    warnings = [r for r in caplog.records if r.name == "askwell.ratelimit"]
    # One per 5 s back-off, not one per request (20 requests went through).
    assert 1 <= len(warnings) <= 1 + int((time.monotonic() - started) / 5)
    assert "Rate limit storage unavailable" in warnings[0].getMessage()


async def test_limits_hold_while_redis_is_up_and_let_requests_through_once_it_dies(tmp_path: Path) -> None:
    from tests.conftest import REDIS_URL, require_service

    require_service(REDIS_URL, "Redis")  # needs redis-server installed
    port = free_port()
    async with served(_outage_settings(tmp_path, f"redis://127.0.0.1:{port}/0")) as client:
        with running_redis(port):
            await register(client, "admin@example.org")
            headers = bearer(await login(client, "admin@example.org"))
            assistant = await create_assistant(client, headers)
            statuses = [(await post_chat(client, assistant["id"], headers)).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]
        # Redis is gone: the same user, over the limit, is let through.
        statuses = [(await post_chat(client, assistant["id"], headers)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
