"""Feedback on bot messages through the API: lifecycle, ownership, the admin view and exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from tests.apikeys.helpers import issue_key
from tests.conftest import bearer, chat, create_assistant, new_session_id

COMMENT = 'Wrong, "quoted", with a comma,\nand a second line'


def feedback_path(session_id: str, message_id: str) -> str:
    return f"/api/v1/chat/{session_id}/messages/{message_id}/feedback"


async def bot_turn(
    client: httpx.AsyncClient, assistant_id: str, session_id: str, message: str, headers: dict[str, str]
) -> str:
    events = await chat(client, assistant_id=assistant_id, session_id=session_id, message=message, headers=headers)
    return str(events[0]["message_id"])


async def history(client: httpx.AsyncClient, session_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/chat/{session_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


async def test_feedback_lifecycle_shows_in_history(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "one", member_headers)
    path = feedback_path(session_id, message_id)

    assert (await history(client, session_id, member_headers))[1]["feedback"] is None
    response = await client.put(path, json={"rating": "down", "comment": COMMENT}, headers=member_headers)
    assert response.status_code == 200, response.text
    assert response.json()["rating"] == "down" and response.json()["comment"] == COMMENT
    messages = await history(client, session_id, member_headers)
    assert "feedback" not in messages[0]  # the user's own message carries none
    assert messages[1]["feedback"]["rating"] == "down"
    assert messages[1]["feedback"]["comment"] == COMMENT

    response = await client.put(path, json={"rating": "up"}, headers=member_headers)
    assert response.status_code == 200
    assert (await history(client, session_id, member_headers))[1]["feedback"]["comment"] == ""
    assert (await history(client, session_id, member_headers))[1]["feedback"]["rating"] == "up"

    assert (await client.delete(path, headers=member_headers)).status_code == 204
    assert (await history(client, session_id, member_headers))[1]["feedback"] is None
    assert (await client.delete(path, headers=member_headers)).status_code == 404


async def test_bad_feedback_is_a_clear_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "one", member_headers)
    user_message_id = (await history(client, session_id, member_headers))[0]["id"]
    path = feedback_path(session_id, message_id)
    for body in ({"rating": "meh"}, {"rating": "up", "comment": "x" * 4001}, {"rating": "up", "extra": 1}):
        assert (await client.put(path, json=body, headers=member_headers)).status_code == 422
    response = await client.put(feedback_path(session_id, user_message_id), json={"rating": "up"}, headers=member_headers)
    assert response.status_code == 404 and response.json()["code"] == "message_not_found"
    response = await client.put(feedback_path(session_id, "not-a-uuid"), json={"rating": "up"}, headers=member_headers)
    assert response.status_code == 422


async def test_only_the_session_owner_rates(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "one", member_headers)
    path = feedback_path(session_id, message_id)
    await client.post("/api/v1/auth/register", json={"email": "other@example.org", "password": "correct horse battery"})
    token = (
        await client.post("/api/v1/auth/token", data={"username": "other@example.org", "password": "correct horse battery"})
    ).json()["access_token"]
    key = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    # Another member, an anonymous caller, a key, and even an admin: unknown session.
    for headers in (bearer(token), {}, bearer(key), admin_headers):
        response = await client.put(path, json={"rating": "up"}, headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "session_not_found"
    # A message id of another session reads as unknown in this one.
    other_session = new_session_id()
    other_message = await bot_turn(client, assistant["id"], other_session, "two", member_headers)
    response = await client.put(feedback_path(session_id, other_message), json={"rating": "up"}, headers=member_headers)
    assert response.status_code == 404


async def test_anonymous_and_key_sessions_rate_their_own(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    anonymous = new_session_id()
    message_id = await bot_turn(client, assistant["id"], anonymous, "anon", {})
    assert (await client.put(feedback_path(anonymous, message_id), json={"rating": "up"})).status_code == 200
    # A signed-in member cannot rate an anonymous session's answers (it is not theirs).
    response = await client.put(feedback_path(anonymous, message_id), json={"rating": "down"}, headers=member_headers)
    assert response.status_code == 404

    key = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    keyed = new_session_id()
    keyed_message = await bot_turn(client, assistant["id"], keyed, "key", bearer(key))
    path = feedback_path(keyed, keyed_message)
    assert (await client.put(path, json={"rating": "down"}, headers=bearer(key))).status_code == 200
    assert (await client.put(path, json={"rating": "down"})).status_code == 404
    assert (await history(client, keyed, bearer(key)))[1]["feedback"]["rating"] == "down"


async def _rated_assistant(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """An assistant with three rated answers: up, down with a comment, down without."""
    assistant = await create_assistant(client, admin_headers)
    ratings = {"first": ("up", ""), "second": ("down", COMMENT), "third": ("down", "")}
    sessions = {}
    for question, (rating, comment) in ratings.items():
        session_id = new_session_id()
        message_id = await bot_turn(client, assistant["id"], session_id, question, member_headers)
        body = {"rating": rating, "comment": comment}
        assert (await client.put(feedback_path(session_id, message_id), json=body, headers=member_headers)).status_code == 200
        sessions[question] = session_id
    return assistant["id"], sessions


async def test_admin_lists_filters_and_pages_feedback(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant_id, sessions = await _rated_assistant(client, admin_headers, member_headers)
    url = f"/api/v1/assistants/{assistant_id}/feedback"

    async def listed(**params: Any) -> dict[str, Any]:
        response = await client.get(url, params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    every = await listed()
    assert every["total"] == 3
    assert [i["question"] for i in every["items"]] == ["third", "second", "first"]  # newest first
    assert every["items"][1]["answer"].startswith("You asked: second")
    assert every["items"][1]["session_id"] == sessions["second"]
    assert [i["question"] for i in (await listed(rating="down"))["items"]] == ["third", "second"]
    assert [i["comment"] for i in (await listed(has_comment="true"))["items"]] == [COMMENT]
    assert (await listed(has_comment="false"))["total"] == 2
    page = await listed(limit=1, offset=1)
    assert page["total"] == 3 and [i["question"] for i in page["items"]] == ["second"]
    assert (await listed(since="2999-01-01T00:00:00Z"))["total"] == 0
    assert (await listed(until="2999-01-01T00:00:00Z"))["total"] == 3

    bad = await client.get(url, params={"since": "2999-01-01T00:00:00Z", "until": "2000-01-01T00:00:00Z"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_date_range"
    assert (await client.get(url, params={"rating": "meh"}, headers=admin_headers)).status_code == 422
    assert (await client.get(url, params={"limit": 0}, headers=admin_headers)).status_code == 422
    assert (await client.get(url, headers=member_headers)).status_code == 403
    assert (await client.get(url)).status_code == 401
    missing = "/api/v1/assistants/00000000-0000-0000-0000-000000000000/feedback"
    assert (await client.get(missing, headers=admin_headers)).status_code == 404


async def test_admin_exports_parse_back(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant_id, _ = await _rated_assistant(client, admin_headers, member_headers)
    url = f"/api/v1/assistants/{assistant_id}/feedback/export"

    response = await client.get(url, params={"format": "jsonl", "rating": "down"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(r["question"], r["rating"], r["comment"]) for r in lines] == [
        ("third", "down", ""),
        ("second", "down", COMMENT),
    ]

    response = await client.get(url, params={"format": "csv"}, headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["updated_at", "created_at", "rating", "comment"]
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert [(r["question"], r["rating"]) for r in records] == [("third", "down"), ("second", "down"), ("first", "up")]
    assert records[1]["comment"] == COMMENT  # the comma, quotes and newline survive
    assert records[1]["answer"].startswith("You asked: second")

    assert (await client.get(url, params={"format": "xml"}, headers=admin_headers)).status_code == 422
    assert (await client.get(url, headers=member_headers)).status_code == 403


async def test_conversation_exports_markdown_and_json(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "what is 2+2?", member_headers)
    await client.put(feedback_path(session_id, message_id), json={"rating": "down", "comment": "too vague"}, headers=member_headers)
    url = f"/api/v1/chat/{session_id}/export"

    response = await client.get(url, params={"format": "json"}, headers=member_headers)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    document = json.loads(response.text)
    assert document["session_id"] == session_id
    assert [m["sender"] for m in document["messages"]] == ["user", "bot"]
    assert document["messages"][1]["feedback"]["comment"] == "too vague"

    response = await client.get(url, headers=member_headers)  # Markdown by default
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert "## You (" in text and "what is 2+2?" in text
    assert "## Assistant (" in text and "You asked: what is 2+2?" in text
    assert "Feedback: down: too vague" in text

    assert (await client.get(url, params={"format": "pdf"}, headers=member_headers)).status_code == 422
    assert (await client.get(url)).status_code == 404  # not the anonymous caller's
