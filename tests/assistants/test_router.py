"""Assistants through the API: admin CRUD, who may read what, and validation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import answer_text, chat, create_assistant, new_session_id

DEFAULT_RETRIEVAL = {
    "top_k": 5,
    "keyword_weight": 1.0,
    "vector_weight": 1.5,
    "fusion": "scores",
    "reranker": None,
    "rerank_candidates": 20,
}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert set(body) == {"detail", "code"}, body
    assert body["code"] == code
    return body


async def test_create_fills_in_the_defaults(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await client.post("/api/v1/assistants", json={"name": "Helpdesk"}, headers=admin_headers)
    assert response.status_code == 201, response.text
    created = response.json()
    uuid.UUID(created["id"])
    assert created["created_at"]
    assert {k: v for k, v in created.items() if k not in ("id", "created_at")} == {
        "name": "Helpdesk",
        "description": "",
        "system_prompt": "",
        "model": None,  # null: the server's default model
        "language": None,
        "user_authentication": False,
        "retrieval": DEFAULT_RETRIEVAL,
    }
    # What was stored reads back the same.
    read = await client.get(f"/api/v1/assistants/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created


async def test_create_with_every_field(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    fields = {
        "name": "Juriste",
        "description": "Answers legal questions",
        "system_prompt": "Be precise.",
        "model": "openai:gpt-4o-mini",
        "language": "fr",
        "user_authentication": True,
        "retrieval": {
            "top_k": 12,
            "keyword_weight": 0.5,
            "vector_weight": 2.0,
            "fusion": "rrf",
            "reranker": "http:bge-reranker-v2-m3",
            "rerank_candidates": 30,
        },
    }
    created = await create_assistant(client, admin_headers, **fields)
    assert {k: created[k] for k in fields} == fields


async def test_patch_changes_only_the_given_fields(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await create_assistant(
        client, admin_headers, description="before", system_prompt="keep me", language="en"
    )
    url = f"/api/v1/assistants/{created['id']}"
    response = await client.patch(
        url, json={"description": "after", "retrieval": {"top_k": 3}}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["description"] == "after"
    assert patched["retrieval"] == {**DEFAULT_RETRIEVAL, "top_k": 3}
    unchanged = ("id", "name", "system_prompt", "language", "model", "user_authentication", "created_at")
    assert {k: patched[k] for k in unchanged} == {k: created[k] for k in unchanged}
    assert (await client.get(url)).json() == patched

    # null keeps fields that cannot be empty; on `model` it means "back to the server default".
    await client.patch(url, json={"model": "scripted:slow"}, headers=admin_headers)
    response = await client.patch(
        url, json={"name": None, "user_authentication": None, "model": None}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["user_authentication"], response.json()["model"]) == (
        created["name"],
        False,
        None,
    )


@pytest.mark.parametrize("field", ["description", "system_prompt"])
async def test_patch_null_on_text_fields_is_not_a_server_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], field: str
) -> None:
    created = await create_assistant(client, admin_headers, **{field: "kept"})
    url = f"/api/v1/assistants/{created['id']}"
    response = await client.patch(url, json={field: None}, headers=admin_headers)
    # Either reading null as "unchanged" (like `name`) or refusing it is fine; a 500 is not.
    if response.status_code == 422:
        assert_error(response, 422, "invalid_request")
    else:
        assert response.status_code == 200, response.text
    assert (await client.get(url)).json()[field] == "kept"


async def test_delete_then_gone(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    created = await create_assistant(client, admin_headers)
    url = f"/api/v1/assistants/{created['id']}"
    response = await client.delete(url, headers=admin_headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(url), 404, "assistant_not_found")
    assert_error(await client.delete(url, headers=admin_headers), 404, "assistant_not_found")
    assert created["id"] not in [a["id"] for a in (await client.get("/api/v1/assistants")).json()]


async def test_writes_need_an_admin(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    created = await create_assistant(client, admin_headers)
    url = f"/api/v1/assistants/{created['id']}"
    writes = [
        ("POST", "/api/v1/assistants", {"name": "sneaky"}),
        ("PATCH", url, {"name": "renamed"}),
        ("DELETE", url, None),
    ]
    for method, path, body in writes:
        member = await client.request(method, path, json=body, headers=member_headers)
        assert_error(member, 403, "admin_required")
        anonymous = await client.request(method, path, json=body)
        assert_error(anonymous, 401, "not_authenticated")
        assert anonymous.headers["www-authenticate"] == "Bearer"
    # Nothing changed.
    assert (await client.get(url)).json() == created
    assert [a["name"] for a in (await client.get("/api/v1/assistants")).json()] == [created["name"]]


async def test_login_only_assistants_are_hidden_from_anonymous_callers(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    open_one = await create_assistant(client, admin_headers, name="b-open")
    private = await create_assistant(client, admin_headers, name="a-private", user_authentication=True)

    anonymous = (await client.get("/api/v1/assistants")).json()
    assert [a["name"] for a in anonymous] == ["b-open"]
    member = (await client.get("/api/v1/assistants", headers=member_headers)).json()
    assert [a["name"] for a in member] == ["a-private", "b-open"]  # sorted by name

    body = assert_error(await client.get(f"/api/v1/assistants/{private['id']}"), 401, "auth_required")
    assert body["detail"] == "Authentication required for this assistant"
    assert (
        await client.get(f"/api/v1/assistants/{private['id']}", headers=member_headers)
    ).status_code == 200
    assert (await client.get(f"/api/v1/assistants/{open_one['id']}")).status_code == 200
    # An invalid token counts as no user on these optional-user endpoints.
    garbage = {"Authorization": "Bearer garbage"}
    assert [a["name"] for a in (await client.get("/api/v1/assistants", headers=garbage)).json()] == ["b-open"]


async def test_duplicate_names_conflict(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    first = await create_assistant(client, admin_headers, name="Support")
    second = await create_assistant(client, admin_headers, name="Sales")
    response = await client.post("/api/v1/assistants", json={"name": "Support"}, headers=admin_headers)
    body = assert_error(response, 409, "assistant_name_taken")
    assert "Support" in body["detail"]
    response = await client.patch(
        f"/api/v1/assistants/{second['id']}", json={"name": "Support"}, headers=admin_headers
    )
    assert_error(response, 409, "assistant_name_taken")
    # Re-sending an assistant's own name is not a conflict.
    response = await client.patch(
        f"/api/v1/assistants/{first['id']}", json={"name": "Support"}, headers=admin_headers
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "code"),
    [
        ("nocolon", "invalid_request"),  # not "provider:model" at all
        (":x", "invalid_request"),
        ("foo:bar", "invalid_model"),  # well formed, but no such provider
        ("scripted:", "invalid_request"),
    ],
)
async def test_invalid_model_names_are_rejected(
    client: httpx.AsyncClient, admin_headers: dict[str, str], model: str, code: str
) -> None:
    response = await client.post(
        "/api/v1/assistants", json={"name": "m", "model": model}, headers=admin_headers
    )
    assert_error(response, 422, code)
    created = await create_assistant(client, admin_headers)
    response = await client.patch(
        f"/api/v1/assistants/{created['id']}", json={"model": model}, headers=admin_headers
    )
    assert_error(response, 422, code)
    assert (await client.get(f"/api/v1/assistants/{created['id']}")).json()["model"] is None


async def test_unknown_provider_error_lists_the_known_ones(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/assistants", json={"name": "m", "model": "foo:bar"}, headers=admin_headers
    )
    detail = assert_error(response, 422, "invalid_model")["detail"]
    assert "'foo'" in detail and "openai" in detail and "scripted" in detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x", "language": "english!"}, "body.language"),
        ({"name": "x", "retrieval": {"top_k": 0}}, "body.retrieval.top_k"),
        ({"name": "x", "retrieval": {"vector_weight": -1}}, "body.retrieval.vector_weight"),
    ],
)
async def test_invalid_fields_name_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/assistants", json=body, headers=admin_headers)
    detail = assert_error(response, 422, "invalid_request")["detail"]
    assert [problem["field"] for problem in detail] == [field]


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    unknown = f"/api/v1/assistants/{uuid.uuid4()}"
    assert_error(await client.get(unknown), 404, "assistant_not_found")
    assert_error(
        await client.patch(unknown, json={"name": "x"}, headers=admin_headers), 404, "assistant_not_found"
    )
    detail = assert_error(await client.get("/api/v1/assistants/not-a-uuid"), 422, "invalid_request")["detail"]
    assert [problem["field"] for problem in detail] == ["path.assistant_id"]


async def test_deleting_an_assistant_removes_its_chat_sessions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    doomed = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=doomed["id"], session_id=session_id, message="first life")
    await chat(client, assistant_id=doomed["id"], session_id=session_id, message="still first life")
    history = await client.get(f"/api/v1/chat/{session_id}/history")
    assert len(history.json()["messages"]) == 4

    assert (
        await client.delete(f"/api/v1/assistants/{doomed['id']}", headers=admin_headers)
    ).status_code == 204
    assert_error(await client.get(f"/api/v1/chat/{session_id}/history"), 404, "session_not_found")
    assert_error(await client.delete(f"/api/v1/chat/{session_id}"), 404, "session_not_found")

    # The session id is free again, and a new assistant's conversation does not inherit the
    # deleted one's memory (even a cached copy of it).
    successor = await create_assistant(client, admin_headers)
    await chat(client, assistant_id=successor["id"], session_id=session_id, message="second life")
    events = await chat(client, assistant_id=successor["id"], session_id=session_id, message="who?")
    assert "I remember 2 earlier messages. Your first question was: second life." in answer_text(events)
    history = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"]
    assert [m["text"] for m in history if m["sender"] == "user"] == ["second life", "who?"]
