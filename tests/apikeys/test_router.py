"""API keys: issued by admins, shown once, scoped to assistants and actions, refused at once
when revoked or expired, never accepted on admin endpoints, owning their chat sessions."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from askwell.apikeys.models import ApiKey
from askwell.settings import Settings
from tests.apikeys.helpers import issue_key
from tests.conftest import answer_text, bearer, chat, create_assistant, new_session_id
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_api_key": "5/minute"})


async def _post_chat(
    client: httpx.AsyncClient, key: str, assistant_id: str, session_id: str, message: str = "hello"
) -> httpx.Response:
    body = {"message": message, "assistant_id": assistant_id, "session_id": session_id}
    return await client.post("/api/v1/chat/stream", json=body, headers=bearer(key))


async def test_lifecycle_secret_shown_once_usage_counted_revocation_immediate(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any
) -> None:
    assistant = await create_assistant(client, admin_headers)
    created = await issue_key(client, admin_headers, [assistant["id"]])
    key = created["key"]
    assert key.startswith(f"ak_{created['prefix']}_") and len(key) > 50
    assert created["usage"] == {
        "requests": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "last_used_at": None,
    }

    # Only a hash is stored, and no read shows the secret again.
    async with app.state.runtime.session_factory() as session:
        stored = (await session.execute(text("SELECT secret_hash FROM api_keys"))).scalar_one()
    secret = key.split("_", 2)[2]
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
    listed = (await client.get("/api/v1/api-keys", headers=admin_headers)).json()
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]

    events = await chat(
        client, assistant_id=assistant["id"], session_id=new_session_id(), headers=bearer(key)
    )
    assert answer_text(events).startswith("You asked: hello")
    done = events[-1]
    usage = (await client.get(f"/api/v1/api-keys/{created['id']}/usage", headers=admin_headers)).json()
    assert usage["requests"] == 1
    assert usage["prompt_tokens"] == done["usage"]["prompt_tokens"] > 0
    assert usage["completion_tokens"] == done["usage"]["completion_tokens"] > 0
    assert usage["last_used_at"] is not None

    revoked = await client.post(f"/api/v1/api-keys/{created['id']}/revoke", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    response = await _post_chat(client, key, assistant["id"], new_session_id())
    assert response.status_code == 401 and response.json()["code"] == "api_key_revoked"


async def test_a_bad_or_expired_key_is_refused_not_taken_for_anonymous(
    client: httpx.AsyncClient, admin_headers: dict[str, str], app: Any
) -> None:
    assistant = await create_assistant(client, admin_headers)  # public: anonymous callers may chat
    created = await issue_key(client, admin_headers, [assistant["id"]])
    wrong_secret = created["key"][:-4] + ("AAAA" if not created["key"].endswith("AAAA") else "BBBB")
    for bad in (wrong_secret, "ak_nothing", f"ak_{created['prefix']}_"):
        response = await _post_chat(client, bad, assistant["id"], new_session_id())
        assert response.status_code == 401 and response.json()["code"] == "invalid_api_key", bad

    async with app.state.runtime.session_factory() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(
            update(ApiKey).where(ApiKey.id == uuid.UUID(created["id"])).values(expires_at=past)
        )
        await session.commit()
    response = await _post_chat(client, created["key"], assistant["id"], new_session_id())
    assert response.status_code == 401 and response.json()["code"] == "api_key_expired"

    past_expiry = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await client.post(
        "/api/v1/api-keys",
        json={
            "name": "x",
            "assistant_ids": [assistant["id"]],
            "actions": ["chat"],
            "expires_at": past_expiry,
        },
        headers=admin_headers,
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_expiry"
    naive_future = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    response = await client.post(
        "/api/v1/api-keys",
        json={
            "name": "x",
            "assistant_ids": [assistant["id"]],
            "actions": ["chat"],
            "expires_at": naive_future,
        },
        headers=admin_headers,
    )
    assert response.status_code == 201 and response.json()["expires_at"].endswith(("Z", "+00:00"))


async def test_keys_are_refused_on_admin_and_user_endpoints(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    key = (await issue_key(client, admin_headers, [assistant["id"]], ("chat", "search")))["key"]
    for method, path, body in [
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"name": "x", "assistant_ids": [assistant["id"]], "actions": ["chat"]}),
        ("POST", "/api/v1/assistants", {"name": "by-key"}),
        ("DELETE", f"/api/v1/assistants/{assistant['id']}", None),
        ("GET", "/api/v1/users/me", None),
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/chat/sessions", None),
    ]:
        response = await client.request(method, path, json=body, headers=bearer(key))
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "api_key_not_allowed"
    # Members cannot manage keys either.
    response = await client.get("/api/v1/api-keys", headers=member_headers)
    assert response.status_code == 403 and response.json()["code"] == "admin_required"
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "assistant_ids": [assistant["id"]], "actions": ["chat"]},
        headers=member_headers,
    )
    assert response.status_code == 403


async def test_scope_assistants_and_actions(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    mine, other = await create_assistant(client, admin_headers), await create_assistant(client, admin_headers)
    private = await create_assistant(client, admin_headers, user_authentication=True)
    chat_key = (await issue_key(client, admin_headers, [mine["id"], private["id"]]))["key"]

    for assistant_id in (other["id"], str(uuid.uuid4())):  # foreign and unknown read the same
        response = await _post_chat(client, chat_key, assistant_id, new_session_id())
        assert response.status_code == 403 and response.json()["code"] == "api_key_assistant_forbidden"
    # A key is a credential: a login-only assistant in its scope answers it.
    events = await chat(
        client, assistant_id=private["id"], session_id=new_session_id(), headers=bearer(chat_key)
    )
    assert answer_text(events).startswith("You asked: hello")

    response = await client.post(
        f"/api/v1/assistants/{mine['id']}/search", json={"query": "x"}, headers=bearer(chat_key)
    )
    assert response.status_code == 403 and response.json()["code"] == "api_key_action_forbidden"

    search_key = (await issue_key(client, admin_headers, [mine["id"]], ("search",)))["key"]
    response = await _post_chat(client, search_key, mine["id"], new_session_id())
    assert response.status_code == 403 and response.json()["code"] == "api_key_action_forbidden"
    response = await client.post(
        f"/api/v1/assistants/{other['id']}/search", json={"query": "x"}, headers=bearer(search_key)
    )
    assert response.status_code == 403 and response.json()["code"] == "api_key_assistant_forbidden"

    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "assistant_ids": [str(uuid.uuid4())], "actions": ["chat"]},
        headers=admin_headers,
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_assistant"
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "assistant_ids": [mine["id"]], "actions": ["delete"]},
        headers=admin_headers,
    )
    assert response.status_code == 422


async def test_search_with_a_search_key(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    await upload(
        client, admin_headers, connector["id"], [("notes.md", b"# Notes\n\nThe wifi password is tulip.\n")]
    )
    assert {d["status"] for d in await wait_for_ingestion(client, admin_headers, connector["id"])} == {
        "ready"
    }
    key = (await issue_key(client, admin_headers, [assistant["id"]], ("search",)))["key"]
    results = await search(client, assistant["id"], "wifi password", headers=bearer(key))
    assert "tulip" in results[0]["content"]


async def test_sessions_belong_to_their_key(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    key_a = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    key_b = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    keyed, personal = new_session_id(), new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=keyed, headers=bearer(key_a))
    await chat(client, assistant_id=assistant["id"], session_id=personal, headers=member_headers)

    history = await client.get(f"/api/v1/chat/{keyed}/history", headers=bearer(key_a))
    assert history.status_code == 200 and len(history.json()["messages"]) == 2
    for headers in (bearer(key_b), member_headers, admin_headers, {}):
        assert (await client.get(f"/api/v1/chat/{keyed}/history", headers=headers)).status_code == 404
        assert (await client.delete(f"/api/v1/chat/{keyed}", headers=headers)).status_code == 404
    # Nobody else may post into the key's session, and the key not into the user's.
    assert (await _post_chat(client, key_b, assistant["id"], keyed)).status_code == 404
    response = await client.post(
        "/api/v1/chat/stream",
        json={"message": "hi", "assistant_id": assistant["id"], "session_id": keyed},
        headers=member_headers,
    )
    assert response.status_code == 404
    assert (await client.get(f"/api/v1/chat/{personal}/history", headers=bearer(key_a))).status_code == 404
    assert (await _post_chat(client, key_a, assistant["id"], personal)).status_code == 404

    # The key keeps its conversation going and may reset it.
    events = await chat(
        client, assistant_id=assistant["id"], session_id=keyed, headers=bearer(key_a), message="again"
    )
    assert "I remember 2 earlier messages" in answer_text(events)
    assert (await client.delete(f"/api/v1/chat/{keyed}", headers=bearer(key_a))).status_code == 200


async def test_per_key_rate_limit(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    key_a = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    key_b = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    for _ in range(5):
        assert (await _post_chat(client, key_a, assistant["id"], new_session_id())).status_code == 200
    refused = await _post_chat(client, key_a, assistant["id"], new_session_id())
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "API key" in refused.json()["detail"] and int(refused.headers["Retry-After"]) >= 1
    # Each key counts apart.
    assert (await _post_chat(client, key_b, assistant["id"], new_session_id())).status_code == 200
