"""Accounts through the API: sign-up, the password token flow, /users/me, and user admin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from askwell.app import create_app
from askwell.settings import Settings
from tests.conftest import PASSWORD, bearer, login, register


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Every error is JSON with exactly `detail` and `code`, and 401s ask for a bearer token."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = dict(response.json())
    assert set(body) == {"detail", "code"}, body
    assert body["code"] == code
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    return body


async def get_me(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.get("/api/v1/users/me", headers=headers)


# --- registration ------------------------------------------------------------------------


async def test_first_account_is_admin_and_later_ones_are_members(client: httpx.AsyncClient) -> None:
    first = await register(client, "first@example.org")
    second = await register(client, "second@example.org")
    assert (first["role"], second["role"]) == ("admin", "member")
    for user in (first, second):
        assert set(user) == {"id", "email", "name", "role", "is_active", "created_at"}
        assert user["is_active"] is True
        uuid.UUID(user["id"])
    assert not any("password" in key or "hash" in key for key in first)
    assert PASSWORD not in str(first)


async def test_duplicate_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    await register(client, "dup@example.org")
    response = await client.post(
        "/api/v1/auth/register", json={"email": "DUP@example.org", "password": PASSWORD}
    )
    body = assert_error(response, 409, "email_taken")
    assert "dup@example.org" in body["detail"]


async def test_email_is_trimmed_and_lower_cased(client: httpx.AsyncClient) -> None:
    user = await register(client, "  Alice.Smith@Example.ORG ")
    assert user["email"] == "alice.smith@example.org"
    # Any spelling of the address logs in to the same account.
    token = await login(client, "ALICE.SMITH@example.org")
    me = (await get_me(client, bearer(token))).json()
    assert me["id"] == user["id"]


async def test_short_password_is_rejected_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "x@example.org", "password": "short"}
    )
    body = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in body["detail"]] == ["body.password"]
    assert "8 characters" in body["detail"][0]["message"]


async def test_malformed_email_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/register", json={"email": "no-at-sign", "password": PASSWORD})
    body = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in body["detail"]] == ["body.email"]


@pytest.fixture
async def closed_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an instance started with ASKWELL_ALLOW_REGISTRATION=false."""
    application = create_app(settings.model_copy(update={"allow_registration": False}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as http:
            yield http


async def test_registration_can_be_disabled(closed_client: httpx.AsyncClient) -> None:
    response = await closed_client.post(
        "/api/v1/auth/register", json={"email": "new@example.org", "password": PASSWORD}
    )
    body = assert_error(response, 403, "registration_disabled")
    assert "administrator" in body["detail"]
    # Nothing was created: the same address cannot log in.
    response = await closed_client.post(
        "/api/v1/auth/token", data={"username": "new@example.org", "password": PASSWORD}
    )
    assert_error(response, 401, "bad_credentials")


# --- tokens ------------------------------------------------------------------------------


async def test_password_login_returns_a_bearer_token(client: httpx.AsyncClient) -> None:
    user = await register(client, "login@example.org")
    response = await client.post(
        "/api/v1/auth/token", data={"username": "login@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 60 * 60  # the default ASKWELL_ACCESS_TOKEN_MINUTES
    me = await get_me(client, bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == user


async def test_wrong_password_and_unknown_email_fail_alike(client: httpx.AsyncClient) -> None:
    await register(client, "known@example.org")
    wrong_password = await client.post(
        "/api/v1/auth/token", data={"username": "known@example.org", "password": "not the password"}
    )
    unknown_email = await client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.org", "password": PASSWORD}
    )
    first = assert_error(wrong_password, 401, "bad_credentials")
    second = assert_error(unknown_email, 401, "bad_credentials")
    # The same answer either way, so the endpoint does not reveal which addresses have accounts.
    assert first == second == {"detail": "Incorrect e-mail or password", "code": "bad_credentials"}


async def test_token_endpoint_needs_form_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", json={"username": "a@b.c", "password": PASSWORD})
    body = assert_error(response, 422, "invalid_request")
    assert {"body.username", "body.password"} <= {problem["field"] for problem in body["detail"]}


# --- /users/me ---------------------------------------------------------------------------


async def test_me_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    body = assert_error(await get_me(client, {}), 401, "not_authenticated")
    assert "bearer token" in body["detail"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
async def test_me_with_a_garbage_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    assert_error(await get_me(client, bearer(token)), 401, "not_authenticated")


def _sign(settings: Settings, payload: dict[str, Any], key: str | None = None) -> str:
    key = key or (settings.data_dir / "secret_key").read_text().strip()
    return jwt.encode(payload, key, algorithm="HS256")


async def test_me_with_an_expired_token_is_401(
    client: httpx.AsyncClient, settings: Settings, admin_headers: dict[str, str]
) -> None:
    me = (await get_me(client, admin_headers)).json()
    now = datetime.now(UTC)
    valid = _sign(settings, {"sub": me["id"], "exp": now + timedelta(minutes=5), "typ": "access"})
    expired = _sign(
        settings,
        {"sub": me["id"], "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1), "typ": "access"},
    )
    # The hand-signed token is accepted while valid, so the 401 below is about expiry alone.
    assert (await get_me(client, bearer(valid))).status_code == 200
    assert_error(await get_me(client, bearer(expired)), 401, "not_authenticated")


async def test_me_rejects_forged_and_non_access_tokens(
    client: httpx.AsyncClient, settings: Settings, admin_headers: dict[str, str]
) -> None:
    me = (await get_me(client, admin_headers)).json()
    exp = datetime.now(UTC) + timedelta(minutes=5)
    forged = _sign(
        settings,
        {"sub": me["id"], "exp": exp, "typ": "access"},
        key="not-the-server-key-but-long-enough-for-hs256",
    )
    other_type = _sign(settings, {"sub": me["id"], "exp": exp, "typ": "refresh"})
    no_expiry = _sign(settings, {"sub": me["id"], "typ": "access"})
    unknown_user = _sign(settings, {"sub": str(uuid.uuid4()), "exp": exp, "typ": "access"})
    for token in (forged, other_type, no_expiry, unknown_user):
        assert_error(await get_me(client, bearer(token)), 401, "not_authenticated")


# --- user administration -----------------------------------------------------------------


async def test_members_cannot_manage_users(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    admin_id = (await get_me(client, admin_headers)).json()["id"]
    requests = [
        client.get("/api/v1/users", headers=member_headers),
        client.post(
            "/api/v1/users", json={"email": "x@example.org", "password": PASSWORD}, headers=member_headers
        ),
        client.patch(f"/api/v1/users/{admin_id}", json={"is_active": False}, headers=member_headers),
    ]
    for request in requests:
        body = assert_error(await request, 403, "admin_required")
        assert "admin role" in body["detail"]
    assert_error(await client.get("/api/v1/users"), 401, "not_authenticated")


async def test_admin_lists_users_oldest_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/users", headers=admin_headers)
    assert response.status_code == 200
    assert [(u["email"], u["role"]) for u in response.json()] == [
        ("admin@example.org", "admin"),
        ("member@example.org", "member"),
    ]


async def test_admin_creates_promotes_and_deactivates_a_user(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"email": "Bob@Example.org", "name": "Bob", "password": PASSWORD},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    bob = response.json()
    assert (bob["email"], bob["name"], bob["role"], bob["is_active"]) == (
        "bob@example.org",
        "Bob",
        "member",
        True,
    )
    bob_headers = bearer(await login(client, "bob@example.org"))
    assert (await client.get("/api/v1/users", headers=bob_headers)).status_code == 403

    # Promotion takes effect on Bob's existing token: the role is read per request.
    response = await client.patch(f"/api/v1/users/{bob['id']}", json={"role": "admin"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert (await client.get("/api/v1/users", headers=bob_headers)).status_code == 200

    # Deactivation: Bob's token stops working at once, and logging in says why.
    response = await client.patch(
        f"/api/v1/users/{bob['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert_error(await get_me(client, bob_headers), 401, "not_authenticated")
    response = await client.post(
        "/api/v1/auth/token", data={"username": "bob@example.org", "password": PASSWORD}
    )
    body = assert_error(response, 401, "inactive_user")
    assert "deactivated" in body["detail"]
    # A wrong password still gets the generic answer, so deactivation is not probeable.
    response = await client.post(
        "/api/v1/auth/token", data={"username": "bob@example.org", "password": "x" * 9}
    )
    assert_error(response, 401, "bad_credentials")

    # Reactivated, Bob can log in again.
    response = await client.patch(
        f"/api/v1/users/{bob['id']}", json={"is_active": True}, headers=admin_headers
    )
    assert response.status_code == 200
    assert (await get_me(client, bearer(await login(client, "bob@example.org")))).status_code == 200


async def test_admin_can_reset_a_password(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    member = await register(client, "forgetful@example.org")
    new_password = "a brand new passphrase"
    response = await client.patch(
        f"/api/v1/users/{member['id']}", json={"password": new_password}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    old = await client.post(
        "/api/v1/auth/token", data={"username": "forgetful@example.org", "password": PASSWORD}
    )
    assert_error(old, 401, "bad_credentials")
    await login(client, "forgetful@example.org", new_password)


async def test_admin_create_rejects_duplicates_and_bad_roles(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/users", json={"email": "ADMIN@example.org", "password": PASSWORD}, headers=admin_headers
    )
    assert_error(response, 409, "email_taken")
    response = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "password": PASSWORD, "role": "owner"},
        headers=admin_headers,
    )
    body = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in body["detail"]] == ["body.role"]


async def test_admin_cannot_lock_themselves_out(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    admin_id = (await get_me(client, admin_headers)).json()["id"]
    for change in ({"is_active": False}, {"role": "member"}):
        response = await client.patch(f"/api/v1/users/{admin_id}", json=change, headers=admin_headers)
        body = assert_error(response, 422, "self_lockout")
        assert "themselves" in body["detail"]
    # Harmless self-edits are allowed, and the account is unchanged by the refused ones.
    response = await client.patch(
        f"/api/v1/users/{admin_id}", json={"name": "Root", "role": "admin"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["name"], me["role"], me["is_active"]) == ("Root", "admin", True)


async def test_patching_an_unknown_or_malformed_user_id(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(f"/api/v1/users/{uuid.uuid4()}", json={"name": "x"}, headers=admin_headers)
    assert_error(response, 404, "not_found")
    response = await client.patch("/api/v1/users/not-a-uuid", json={"name": "x"}, headers=admin_headers)
    body = assert_error(response, 422, "invalid_request")
    assert [problem["field"] for problem in body["detail"]] == ["path.user_id"]


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/no-such-endpoint"), 404, "not_found")
    assert_error(await client.delete("/api/v1/auth/token"), 405, "method_not_allowed")
