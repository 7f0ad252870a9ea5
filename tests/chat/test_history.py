"""History and reset through the API, and conversation memory across turns."""

from __future__ import annotations

from typing import Any

import httpx

from askwell.chat.memory import MemorySnapshot
from tests.conftest import answer_text, chat, create_assistant, new_session_id


async def test_history_lists_both_sides_oldest_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    first = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="one")
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="two")

    messages = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"]
    assert [(m["sender"], m["text"][:13]) for m in messages] == [
        ("user", "one"),
        ("bot", "You asked: on"),
        ("user", "two"),
        ("bot", "You asked: tw"),
    ]
    bot = messages[1]
    assert bot["id"] == first[0]["message_id"]
    assert bot["text"] == answer_text(first)
    assert bot["created_at"].endswith("+00:00")
    assert bot["usage"]["completion_tokens"] > 0
    # The step tree: roots sorted by sequence, each with its (here empty) sub_steps.
    assert [s["label"] for s in bot["steps"]] == ["Loading conversation", "Generating answer"]
    assert all(s["sub_steps"] == [] and s["status"] == "done" for s in bot["steps"])


async def test_memory_carries_earlier_turns(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="my name is Ada")
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="who am I?")
    answer = answer_text(events)
    assert "I remember 2 earlier messages" in answer
    assert "Your first question was: my name is Ada" in answer


async def test_reset_empties_history_and_memory(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="remember the number 42")

    response = await client.delete(f"/api/v1/chat/{session_id}")
    assert response.status_code == 200
    assert response.json() == {"message": "Conversation history reset successfully"}
    assert (await client.get(f"/api/v1/chat/{session_id}/history")).json() == {"messages": []}

    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="what number?")
    assert "I remember 0 earlier messages" in answer_text(events)
    messages = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"]
    assert messages[0]["text"] == "what number?"


async def test_client_history_replaces_stored_memory(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="stored turn")
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        message="now",
        history=[{"role": "user", "content": "given turn"}, {"role": "assistant", "content": "ok"}],
    )
    answer = answer_text(events)
    assert "I remember 2 earlier messages" in answer and "given turn" in answer
    assert "stored turn" not in answer
    # The next turn without `history` is back on the stored record (3 turns stored + 1 answer).
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="again")
    assert "I remember 4 earlier messages. Your first question was: stored turn" in answer_text(events)


async def test_user_sessions_are_listed_for_their_owner(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        message="first words",
        headers=admin_headers,
    )
    sessions = (await client.get("/api/v1/chat/sessions", headers=admin_headers)).json()
    assert [(s["id"], s["title"]) for s in sessions] == [(session_id, "first words")]
    assert (await client.get("/api/v1/chat/sessions")).status_code == 401


async def test_a_stale_memory_snapshot_is_rebuilt_from_the_database(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """A cache that missed writes (say, during an outage) must not be trusted."""
    memory = app.state.runtime.memory
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="first")
    snapshot = await memory.load(session_id)
    assert snapshot is not None and snapshot.version == 2  # user + bot message

    await memory.save(session_id, MemorySnapshot(version=1, turns=[{"role": "user", "content": "bogus"}]))
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="second")
    assert "Your first question was: first" in answer_text(events)

    # A snapshot of the current version is what the next turn uses: the cache is really read.
    await memory.save(session_id, MemorySnapshot(version=4, turns=[{"role": "user", "content": "cached"}]))
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="third")
    assert "Your first question was: cached" in answer_text(events)


async def test_sessions_can_be_renamed_and_reset_ones_leave_the_list(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    kept, dropped = new_session_id(), new_session_id()
    for session_id in (kept, dropped):
        await chat(client, assistant_id=assistant["id"], session_id=session_id, headers=admin_headers)
    renamed = await client.patch(f"/api/v1/chat/{kept}", json={"title": "Budget 2027"}, headers=admin_headers)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Budget 2027"
    assert (
        await client.patch(f"/api/v1/chat/{kept}", json={"title": ""}, headers=admin_headers)
    ).status_code == 422
    assert (
        await client.patch(f"/api/v1/chat/{kept}", json={"title": "x"})
    ).status_code == 404  # not the owner
    await client.delete(f"/api/v1/chat/{dropped}", headers=admin_headers)
    sessions = (await client.get("/api/v1/chat/sessions", headers=admin_headers)).json()
    assert [(s["id"], s["title"]) for s in sessions] == [(kept, "Budget 2027")]
