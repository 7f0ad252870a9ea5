"""Feedback on bot messages through the API: lifecycle, ownership, the admin view and exports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from tests.apikeys.helpers import issue_key
from tests.conftest import bearer, chat, create_assistant, login, new_session_id, register
from tests.models import ANALYST

COMMENT = 'Wrong, "quoted", with a comma,\nand a second line'


def feedback_path(session_id: str, message_id: str) -> str:
    return f"/api/v1/chat/{session_id}/messages/{message_id}/feedback"


async def bot_turn(
    client: httpx.AsyncClient, assistant_id: str, session_id: str, message: str, headers: dict[str, str]
) -> str:
    events = await chat(
        client, assistant_id=assistant_id, session_id=session_id, message=message, headers=headers
    )
    return str(events[0]["message_id"])


async def history(
    client: httpx.AsyncClient, session_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
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
    response = await client.put(
        feedback_path(session_id, user_message_id), json={"rating": "up"}, headers=member_headers
    )
    assert response.status_code == 404 and response.json()["code"] == "message_not_found"
    response = await client.put(
        feedback_path(session_id, "not-a-uuid"), json={"rating": "up"}, headers=member_headers
    )
    assert response.status_code == 422


async def test_only_the_session_owner_rates(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "one", member_headers)
    path = feedback_path(session_id, message_id)
    assert (await client.put(path, json={"rating": "up"}, headers=member_headers)).status_code == 200
    await register(client, "other@example.org")
    other = bearer(await login(client, "other@example.org"))
    key = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    # Another member, an anonymous caller, a key, and even an admin: an unknown session.
    for headers in (other, {}, bearer(key), admin_headers):
        for response in (
            await client.put(path, json={"rating": "down", "comment": "not mine"}, headers=headers),
            await client.delete(path, headers=headers),
            await client.get(f"/api/v1/chat/{session_id}/export", headers=headers),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["code"] == "session_not_found"
    # The owner's feedback is untouched by all of that.
    feedback = (await history(client, session_id, member_headers))[1]["feedback"]
    assert (feedback["rating"], feedback["comment"]) == ("up", "")
    # A message id of another session reads as unknown in this one.
    other_session = new_session_id()
    other_message = await bot_turn(client, assistant["id"], other_session, "two", member_headers)
    response = await client.put(
        feedback_path(session_id, other_message), json={"rating": "up"}, headers=member_headers
    )
    assert response.status_code == 404 and response.json()["code"] == "message_not_found"
    response = await client.put(
        feedback_path(new_session_id(), message_id), json={"rating": "up"}, headers=member_headers
    )
    assert response.status_code == 404 and response.json()["code"] == "session_not_found"


async def test_anonymous_and_key_sessions_rate_their_own(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    # An anonymous session is its id's holder's, as its history is: no account needed.
    anonymous = new_session_id()
    message_id = await bot_turn(client, assistant["id"], anonymous, "anon", {})
    response = await client.put(
        feedback_path(anonymous, message_id), json={"rating": "up", "comment": " fine "}
    )
    assert response.status_code == 200, response.text
    assert response.json()["comment"] == "fine"  # trimmed
    assert (await history(client, anonymous, {}))[1]["feedback"]["rating"] == "up"
    assert (await client.delete(feedback_path(anonymous, message_id))).status_code == 204

    key = (await issue_key(client, admin_headers, [assistant["id"]]))["key"]
    keyed = new_session_id()
    keyed_message = await bot_turn(client, assistant["id"], keyed, "key", bearer(key))
    path = feedback_path(keyed, keyed_message)
    assert (await client.put(path, json={"rating": "down"}, headers=bearer(key))).status_code == 200
    # A key's session is its key's alone: no one else, signed in or not, rates it.
    for headers in ({}, member_headers, admin_headers):
        assert (await client.put(path, json={"rating": "up"}, headers=headers)).status_code == 404
    assert (await history(client, keyed, bearer(key)))[1]["feedback"]["rating"] == "down"

    search_only = (await issue_key(client, admin_headers, [assistant["id"]], actions=("search",)))["key"]
    response = await client.put(path, json={"rating": "up"}, headers=bearer(search_only))
    assert response.status_code == 403, response.text


async def test_a_reset_takes_the_feedback_with_its_messages(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "one", member_headers)
    await client.put(feedback_path(session_id, message_id), json={"rating": "down"}, headers=member_headers)
    url = f"/api/v1/assistants/{assistant['id']}/feedback"
    assert (await client.get(url, headers=admin_headers)).json()["total"] == 1
    assert (await client.delete(f"/api/v1/chat/{session_id}", headers=member_headers)).status_code == 200
    assert (await client.get(url, headers=admin_headers)).json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }


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
        assert (
            await client.put(feedback_path(session_id, message_id), json=body, headers=member_headers)
        ).status_code == 200
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
    # A bound in another offset (or none, read as UTC) means that instant, on SQLite too.
    second = datetime.fromisoformat(every["items"][1]["updated_at"])
    in_paris = second.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert [i["question"] for i in (await listed(since=in_paris))["items"]] == ["third", "second"]
    assert [i["question"] for i in (await listed(until=in_paris))["items"]] == ["second", "first"]
    naive = second.astimezone(UTC).replace(tzinfo=None).isoformat()
    assert (await listed(since=naive, until=naive))["total"] == 1

    bad = await client.get(
        url, params={"since": "2999-01-01T00:00:00Z", "until": "2000-01-01T00:00:00Z"}, headers=admin_headers
    )
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
    assert [(r["question"], r["rating"]) for r in records] == [
        ("third", "down"),
        ("second", "down"),
        ("first", "up"),
    ]
    assert records[1]["comment"] == COMMENT  # the comma, quotes and newline survive
    assert records[1]["answer"].startswith("You asked: second")

    assert (await client.get(url, params={"format": "xml"}, headers=admin_headers)).status_code == 422
    assert (await client.get(url, headers=member_headers)).status_code == 403

    # A comment a spreadsheet would run as a formula reads as text in the CSV, as it is in JSONL.
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant_id, session_id, "fourth", member_headers)
    formula = '=HYPERLINK("http://evil.example","x")'
    body = {"rating": "down", "comment": formula}
    assert (
        await client.put(feedback_path(session_id, message_id), json=body, headers=member_headers)
    ).status_code == 200
    response = await client.get(
        url,
        params={"format": "csv", "since": lines[0]["updated_at"], "has_comment": "true"},
        headers=admin_headers,
    )
    [header, *rows] = list(csv.reader(io.StringIO(response.text, newline="")))
    assert [dict(zip(header, row, strict=True))["comment"] for row in rows] == ["'" + formula]
    response = await client.get(url, params={"format": "jsonl", "has_comment": "true"}, headers=admin_headers)
    assert [json.loads(line)["comment"] for line in response.text.splitlines()] == [formula, COMMENT]


async def test_conversation_exports_markdown_and_json(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    message_id = await bot_turn(client, assistant["id"], session_id, "what is 2+2?", member_headers)
    await client.put(
        feedback_path(session_id, message_id),
        json={"rating": "down", "comment": "too vague"},
        headers=member_headers,
    )
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


async def test_a_data_answer_exports_with_its_sql_and_table(
    client: httpx.AsyncClient, admin_headers: dict[str, str], member_headers: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "sales.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
        db.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 9.5), (2, 20.0)])
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    question = "How many orders are there?"
    config = {
        "url": f"sqlite:///{database}",
        "examples": [{"question": question, "sql": "SELECT COUNT(*) AS n FROM orders"}],
    }
    path = f"/api/v1/assistants/{assistant['id']}/connectors"
    connector = await client.post(path, json={"type": "sql", "config": config}, headers=admin_headers)
    assert connector.status_code == 201, connector.text
    session_id = new_session_id()
    await bot_turn(client, assistant["id"], session_id, question, member_headers)

    url = f"/api/v1/chat/{session_id}/export"
    document = (await client.get(url, params={"format": "json"}, headers=member_headers)).json()
    answer = document["messages"][1]
    assert answer["sql"].strip().startswith("SELECT COUNT(*) AS n FROM orders"), answer
    assert answer["table"]["rows"] == [[2]], answer["table"]
    text = (await client.get(url, headers=member_headers)).text
    assert "```sql\nSELECT COUNT(*) AS n FROM orders" in text
    assert "| n |" in text and "| 2 |" in text  # the result, as a Markdown table
