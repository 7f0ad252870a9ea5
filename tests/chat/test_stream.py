"""POST /api/v1/chat/stream: events, framing, and the contract's error statuses."""

from __future__ import annotations

import json

import httpx
import jwt

from tests.conftest import (
    answer_text,
    bearer,
    chat,
    create_assistant,
    login,
    new_session_id,
    register,
)


async def test_events_come_in_contract_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    events = await chat(
        client, assistant_id=assistant["id"], session_id=session_id, message="What is Askwell?"
    )

    types = [e["type"] for e in events]
    assert types[0] == "start" and types[-1] == "done"
    assert "token" in types and "error" not in types
    # Steps come before the answer's tokens and finish before done.
    first_token = types.index("token")
    assert "step" in types[:first_token]
    start, done = events[0], events[-1]
    assert start["session_id"] == session_id and start["assistant_id"] == assistant["id"]
    assert done["message_id"] == start["message_id"]
    assert set(done["usage"]) == {"prompt_tokens", "completion_tokens"}
    assert done["usage"]["completion_tokens"] > 0
    assert {"retrieval_ms", "first_token_ms", "total_ms"} <= set(done["timings"])
    assert "What is Askwell?" in answer_text(events)


async def test_each_step_starts_running_then_finishes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id())
    steps = [e for e in events if e["type"] == "step"]
    by_id: dict[str, list[str]] = {}
    for step in steps:
        assert {"step_id", "parent_id", "sequence", "label", "status", "metadata"} <= set(step)
        by_id.setdefault(step["step_id"], []).append(step["status"])
    assert by_id and all(statuses == ["running", "done"] for statuses in by_id.values())
    done_steps = [s for s in steps if s["status"] == "done"]
    assert all(isinstance(s["metadata"]["duration_ms"], int | float) for s in done_steps)
    assert [s["sequence"] for s in done_steps] == sorted(s["sequence"] for s in done_steps)


async def test_sse_framing_when_asked(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    response = await client.post(
        "/api/v1/chat/stream",
        json={"message": "hi", "assistant_id": assistant["id"], "session_id": new_session_id()},
        headers={"Accept": "text/event-stream"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in response.text.split("\n\n") if f.strip()]
    parsed = []
    for frame in frames:
        event_line, data_line = frame.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        payload = json.loads(data_line.removeprefix("data: "))
        assert payload["type"] == event_line.removeprefix("event: ")
        parsed.append(payload)
    assert parsed[0]["type"] == "start" and parsed[-1]["type"] == "done"


async def test_ndjson_is_one_json_object_per_line(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    response = await client.post(
        "/api/v1/chat/stream",
        json={
            "message": "a\nmessage with\nnewlines",
            "assistant_id": assistant["id"],
            "session_id": new_session_id(),
        },
    )
    lines = response.text.split("\n")
    assert lines[-1] == ""  # every event ends with a newline
    assert all(isinstance(json.loads(line), dict) for line in lines[:-1])


async def test_unknown_assistant_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/chat/stream",
        json={
            "message": "hi",
            "assistant_id": "00000000-0000-4000-8000-000000000000",
            "session_id": new_session_id(),
        },
    )
    assert response.status_code == 404
    assert response.json()["code"] == "assistant_not_found"


async def test_invalid_bodies_are_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    good = {"message": "hi", "assistant_id": assistant["id"], "session_id": new_session_id()}
    cases = {
        "body.message": {**good, "message": ""},
        "body.session_id": {**good, "session_id": "bad id!"},
        "body.assistant_id": {**good, "assistant_id": "not-a-uuid"},
        "body.language": {**good, "language": "french please"},
        "body.history.0.role": {**good, "history": [{"role": "system", "content": "x"}]},
    }
    for field, body in cases.items():
        response = await client.post("/api/v1/chat/stream", json=body)
        assert response.status_code == 422, (field, response.text)
        payload = response.json()
        assert payload["code"] == "invalid_request"
        assert field in [p["field"] for p in payload["detail"]], (field, payload)
    too_long = await client.post("/api/v1/chat/stream", json={**good, "message": "x" * 8001})
    assert too_long.status_code == 422
    missing = await client.post("/api/v1/chat/stream", json={"message": "hi"})
    assert missing.status_code == 422
    malformed = await client.post(
        "/api/v1/chat/stream", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422


async def test_login_only_assistant_needs_a_valid_user(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings
) -> None:  # type: ignore[no-untyped-def]
    assistant = await create_assistant(client, admin_headers, user_authentication=True)
    body = {"message": "hi", "assistant_id": assistant["id"], "session_id": new_session_id()}

    anonymous = await client.post("/api/v1/chat/stream", json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Authentication required for this assistant"

    key = (settings.data_dir / "secret_key").read_text().strip()
    expired = jwt.encode({"sub": "x", "exp": 1, "typ": "access"}, key, algorithm="HS256")
    forged = jwt.encode(
        {"sub": "x", "exp": 4102444800, "typ": "access"},
        "a-different-signing-key-of-sufficient-length",
        algorithm="HS256",
    )
    for token in ("garbage", expired, forged, ""):
        response = await client.post("/api/v1/chat/stream", json=body, headers=bearer(token))
        assert response.status_code == 401, token

    ok = await chat(
        client, assistant_id=assistant["id"], session_id=body["session_id"], headers=admin_headers
    )
    assert ok[-1]["type"] == "done"


async def test_bad_token_on_open_assistant_acts_as_anonymous(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        headers={"Authorization": "Bearer not.a.token"},
    )
    assert events[-1]["type"] == "done"
    # ...and the session is anonymous: readable with its id alone.
    history = await client.get(
        f"/api/v1/chat/{session_id}/history", headers={"Authorization": "Bearer x y z"}
    )
    assert history.status_code == 200
    assert len(history.json()["messages"]) == 2


async def test_session_is_bound_to_its_assistant(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = await create_assistant(client, admin_headers)
    second = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=first["id"], session_id=session_id)
    response = await client.post(
        "/api/v1/chat/stream", json={"message": "hi", "assistant_id": second["id"], "session_id": session_id}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "session_assistant_mismatch"


async def test_no_one_posts_into_another_users_session(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    await register(client, "alice@example.org")
    await register(client, "bob@example.org")
    alice = bearer(await login(client, "alice@example.org"))
    bob = bearer(await login(client, "bob@example.org"))
    session_id = new_session_id()
    await chat(
        client, assistant_id=assistant["id"], session_id=session_id, message="alice's secret", headers=alice
    )

    body = {"message": "let me in", "assistant_id": assistant["id"], "session_id": session_id}
    for headers in (bob, {}):
        assert (await client.post("/api/v1/chat/stream", json=body, headers=headers)).status_code == 404
        assert (await client.get(f"/api/v1/chat/{session_id}/history", headers=headers)).status_code == 404
        assert (await client.delete(f"/api/v1/chat/{session_id}", headers=headers)).status_code == 404
    # Alice's conversation is untouched, and private: an admin gets the same 404.
    history = (await client.get(f"/api/v1/chat/{session_id}/history", headers=alice)).json()["messages"]
    assert history[0]["text"] == "alice's secret"
    assert (await client.get(f"/api/v1/chat/{session_id}/history", headers=admin_headers)).status_code == 404
    # A user cannot take over an anonymous session either.
    anonymous_session = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=anonymous_session)
    body["session_id"] = anonymous_session
    assert (await client.post("/api/v1/chat/stream", json=body, headers=bob)).status_code == 404


async def test_model_error_becomes_error_event_then_done_and_keeps_partial(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers, model="scripted:fail")
    session_id = new_session_id()
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id)
    types = [e["type"] for e in events]
    assert types[-2:] == ["error", "done"]
    error = events[-2]
    assert error["code"] == "model_error" and "Traceback" not in error["message"]
    failed = [e for e in events if e["type"] == "step" and e["status"] == "error"]
    assert [s["step_id"] for s in failed] == ["generate"]
    partial = answer_text(events)
    assert partial  # some tokens came before the failure
    history = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"]
    assert history[-1]["sender"] == "bot" and history[-1]["text"] == partial
    assert history[-1]["error"]["code"] == "model_error"


async def test_unknown_session_history_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/api/v1/chat/{new_session_id()}/history")).status_code == 404
    assert (await client.delete(f"/api/v1/chat/{new_session_id()}")).status_code == 404
