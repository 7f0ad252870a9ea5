"""Tokens an attacker can make: every forged, altered or stale token is no user at all.

A token that does not verify is never an error page and never a partial user: the routes that
need a user answer 401 `not_authenticated`, the public ones serve the caller as anonymous.
Each forgery is checked beside the genuine token it was made from, so a 401 below is about
the forgery alone. Password guessing is stopped by the login limits at their defaults.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from askwell.settings import Settings
from tests.conftest import PASSWORD, bearer, login, register
from tests.security.authorization import sign

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/users/me", headers=bearer(token))


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "not_authenticated"


def _hs256_with_empty_key(payload: dict[str, Any]) -> str:
    # PyJWT refuses to sign with an empty key, so the forger does it by hand.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(payload)}"
    digest = hmac.new(b"", signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(digest)}"


def _forgeries(genuine: str, settings: Settings, admin_id: str, member_id: str) -> dict[str, str]:
    """Tokens made from the member's genuine one, each by one trick."""
    header, payload, signature = _parts(genuine)
    key = (settings.data_dir / "secret_key").read_text().strip()
    exp = datetime.now(UTC) + timedelta(minutes=5)
    as_admin = {**payload, "sub": admin_id}
    return {
        # The classic: no algorithm, no signature (with and without the trailing dot's part).
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(as_admin)}.",
        "alg None, old signature": f"{_b64({'alg': 'None'})}.{_b64(as_admin)}.{signature}",
        # The payload edited to name the admin, the member's signature kept.
        "edited sub": f"{_b64(header)}.{_b64(as_admin)}.{signature}",
        "edited exp": f"{_b64(header)}.{_b64({**payload, 'exp': int(exp.timestamp()) + 10**6})}.{signature}",
        # Signed right, but with an algorithm the server does not accept.
        "HS512 with the server key": jwt.encode(as_admin, key, algorithm="HS512"),
        "HS384 with the server key": jwt.encode(as_admin, key, algorithm="HS384"),
        "wrong key": jwt.encode(as_admin, "an-attacker-key-long-enough-for-hmac-sha256", algorithm="HS256"),
        "empty key": _hs256_with_empty_key(as_admin),
        # Signed with the server key, but not an access token for a user.
        "missing sub": sign(settings, {"exp": exp, "typ": "access"}),
        "sub not a uuid": sign(settings, {"sub": "admin", "exp": exp, "typ": "access"}),
        "sub a number": sign(settings, {"sub": 1, "exp": exp, "typ": "access"}),
        "missing exp": sign(settings, {"sub": member_id, "typ": "access"}),
        "exp not a number": sign(settings, {"sub": member_id, "exp": "tomorrow", "typ": "access"}),
        "missing typ": sign(settings, {"sub": member_id, "exp": exp}),
        "refresh typ": sign(settings, {"sub": member_id, "exp": exp, "typ": "refresh"}),
        "unknown user": sign(settings, {"sub": str(uuid.uuid4()), "exp": exp, "typ": "access"}),
        "expired": sign(
            settings,
            {"sub": member_id, "exp": datetime.now(UTC) - timedelta(seconds=1), "typ": "access"},
        ),
        # Malformed shapes.
        "signature stripped": genuine.rsplit(".", 1)[0] + ".",
        "two parts": genuine.rsplit(".", 1)[0],
        "four parts": genuine + ".extra",
        "not base64": "!!!.###.$$$",
        "header not json": f"{_b64(b'not json')}.{_b64(payload)}.{signature}",
        "huge": genuine + "A" * 20_000,
    }


async def test_every_forged_token_is_refused_where_its_genuine_one_is_accepted(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await register(client, "admin@example.org")
    await register(client, "member@example.org")
    admin_token = await login(client, "admin@example.org")
    genuine = await login(client, "member@example.org")
    admin_id = (await _me(client, admin_token)).json()["id"]
    member_id = (await _me(client, genuine)).json()["id"]
    assert (await _me(client, genuine)).status_code == 200
    assert (await client.get("/api/v1/users", headers=bearer(admin_token))).status_code == 200

    forgeries = _forgeries(genuine, settings, admin_id, member_id)
    for name, token in forgeries.items():
        me = await _me(client, token)
        assert me.status_code == 401, f"{name}: {me.status_code} {me.text[:200]}"
        _refused(me)
        # Admin-only: a 401 too, never a 403 (which would mean the token named a user).
        users = await client.get("/api/v1/users", headers=bearer(token))
        assert users.status_code == 401, f"{name} on /users: {users.status_code}"
        # Public: served as anonymous, not refused with an error page.
        listed = await client.get("/api/v1/assistants", headers=bearer(token))
        assert listed.status_code == 200, f"{name} on /assistants: {listed.status_code}"
    assert len(forgeries) >= 20


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic YWRtaW46cGFzc3dvcmQ=",
        "Bearer",
        "Bearer ",
        "Token {token}",
        "{token}",
        "Bearer  {token} extra",
        "Bearer\t",
        "bearer",
    ],
)
async def test_malformed_authorization_headers_are_no_user(
    client: httpx.AsyncClient, authorization: str
) -> None:
    await register(client, "admin@example.org")
    token = await login(client, "admin@example.org")
    response = await client.get(
        "/api/v1/users/me", headers={"Authorization": authorization.format(token=token)}
    )
    _refused(response)


async def test_a_token_in_the_query_string_or_a_cookie_is_not_a_credential(client: httpx.AsyncClient) -> None:
    await register(client, "admin@example.org")
    token = await login(client, "admin@example.org")
    _refused(await client.get("/api/v1/users/me", params={"token": token, "access_token": token}))
    _refused(await client.get("/api/v1/users/me", headers={"Cookie": f"access_token={token}; token={token}"}))


async def test_a_deactivated_users_old_token_stops_working_at_once(client: httpx.AsyncClient) -> None:
    await register(client, "admin@example.org")
    admin = bearer(await login(client, "admin@example.org"))
    await register(client, "leaver@example.org")
    old = await login(client, "leaver@example.org")
    leaver = (await _me(client, old)).json()
    assert (await _me(client, old)).status_code == 200
    patched = await client.patch(f"/api/v1/users/{leaver['id']}", json={"is_active": False}, headers=admin)
    assert patched.status_code == 200, patched.text
    _refused(await _me(client, old))
    # Nor can the deactivated account get a new token.
    refused = await client.post(
        "/api/v1/auth/token", data={"username": "leaver@example.org", "password": PASSWORD}
    )
    assert refused.status_code in (401, 403), refused.text


async def test_a_demoted_admins_old_token_keeps_a_members_rights_only(client: httpx.AsyncClient) -> None:
    await register(client, "admin@example.org")
    first = bearer(await login(client, "admin@example.org"))
    created = await client.post(
        "/api/v1/users",
        json={"email": "second@example.org", "password": PASSWORD, "role": "admin"},
        headers=first,
    )
    assert created.status_code == 201, created.text
    old = bearer(await login(client, "second@example.org"))
    assert (await client.get("/api/v1/users", headers=old)).status_code == 200

    demoted = await client.patch(
        f"/api/v1/users/{created.json()['id']}", json={"role": "member"}, headers=first
    )
    assert demoted.status_code == 200, demoted.text
    # The same token, issued while an admin: the role is read from the account, not the token.
    assert (await client.get("/api/v1/users", headers=old)).status_code == 403
    assert (await client.post("/api/v1/assistants", json={"name": "x"}, headers=old)).status_code == 403
    assert (await client.get("/api/v1/users/me", headers=old)).json()["role"] == "member"


async def test_password_guessing_is_stopped_by_the_default_login_limits(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """At the defaults the README gives: 5 tries per account name a minute, 20 per address."""
    assert (settings.rate_limit_login_account, settings.rate_limit_login_ip) == ("5/minute", "20/minute")
    await register(client, "admin@example.org")
    guesses = [
        await client.post(
            "/api/v1/auth/token", data={"username": "admin@example.org", "password": f"guess {n}"}
        )
        for n in range(8)
    ]
    assert [g.status_code for g in guesses] == [401] * 5 + [429] * 3
    assert "Retry-After" in guesses[-1].headers
    # Even the right password is refused until the window passes: guessing cannot hit it.
    right = await client.post(
        "/api/v1/auth/token", data={"username": "admin@example.org", "password": PASSWORD}
    )
    assert right.status_code == 429

    # Spraying many accounts from one address stops at the per-address limit: 20 a minute,
    # 9 of them spent above (every attempt counts against the address first).
    sprayed = [
        await client.post(
            "/api/v1/auth/token", data={"username": f"guess-{n}@example.org", "password": "x" * 12}
        )
        for n in range(16)
    ]
    codes = [s.status_code for s in sprayed]
    assert codes == [401] * 11 + [429] * 5, codes
