"""Hybrid search over uploaded documents, and the chat answering from them with checked citations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import answer_text, chat, new_session_id
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion

HANDBOOK = b"""# Employee handbook

## Vacation

Employees receive 25 days of paid vacation per year. Unused days expire on March 31.

## Offices

The Zurich office is open from 8:00 to 18:00 on weekdays. Visitors sign in at the front desk.

## Security

Laptops use full-disk encryption and passwords are rotated every 90 days.
"""
MENU = b"The cafeteria serves lentil soup on Mondays and grilled fish on Fridays.\n"


async def _ready_assistant(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    assistant, connector = await documents_assistant(client, headers, **fields)
    await upload(client, headers, connector["id"], [("handbook.md", HANDBOOK), ("menu.txt", MENU)])
    documents = await wait_for_ingestion(client, headers, connector["id"])
    assert {d["status"] for d in documents} == {"ready"}
    return assistant


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "vector"])
async def test_each_mode_finds_the_passage(
    client: httpx.AsyncClient, admin_headers: dict[str, str], mode: str
) -> None:
    assistant = await _ready_assistant(client, admin_headers)
    results = await search(client, assistant["id"], "how often are passwords rotated", mode=mode)
    assert "rotated every 90 days" in results[0]["content"]
    first = results[0]
    assert first["name"] == "handbook.md" and first["type"] == "md"
    assert first["metadata"]["heading_path"][-1] == "Security"
    assert isinstance(first["metadata"]["score"], float)
    scores = [r["metadata"]["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


async def test_vector_search_matches_meaning_without_shared_words(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await _ready_assistant(client, admin_headers)
    results = await search(client, assistant["id"], "what food is offered at lunch", mode="vector", top_k=1)
    assert "cafeteria" in results[0]["content"]
    assert await search(client, assistant["id"], "lunch meals offered", mode="keyword") == []


async def test_search_validation_and_access(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant = await _ready_assistant(client, admin_headers, user_authentication=True)
    url = f"/api/v1/assistants/{assistant['id']}/search"
    assert (await client.post(url, json={"query": "x"})).status_code == 401
    for body in (
        {"query": ""},
        {"query": "x", "top_k": 0},
        {"query": "x", "top_k": 101},
        {"query": "x", "mode": "f"},
    ):
        assert (await client.post(url, json=body, headers=admin_headers)).status_code == 422
    results = await search(
        client, assistant["id"], "vacation office security", top_k=2, headers=admin_headers
    )
    assert len(results) == 2


async def test_chat_retrieves_streams_sources_and_cites(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await _ready_assistant(client, admin_headers, model="scripted:overcite")
    session_id = new_session_id()
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        message="How many vacation days do employees get?",
    )
    types = [e["type"] for e in events]
    assert types.index("sources") < types.index("token")

    steps = [e for e in events if e["type"] == "step" and e["status"] == "done"]
    by_id = {s["step_id"]: s for s in steps}
    assert [by_id[k]["label"] for k in ("keyword", "vector", "fuse")] == [
        "keyword search",
        "vector search",
        "fuse",
    ]
    assert all(
        by_id[k]["parent_id"] == "retrieve" and by_id[k]["metadata"]["is_substep"]
        for k in ("keyword", "vector")
    )

    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert "25 days of paid vacation" in sources[0]["content"]
    assert sources[0]["metadata"]["file_name"] == "handbook.md"
    answer = answer_text(events)
    assert "[1]" in answer and "[99]" not in answer  # the bogus citation never reached the client
    assert by_id["generate"]["metadata"]["cited"] == [1]
    assert events[-1]["timings"]["retrieval_ms"] is not None

    bot = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"][-1]
    assert bot["text"] == answer
    assert [s["content"] for s in bot["sources"]] == [s["content"] for s in sources]
    assert bot["sources"][0]["metadata"]["cited"] is True
    assert all(s["metadata"]["cited"] is False for s in bot["sources"][1:])
    retrieve = next(s for s in bot["steps"] if s["step_id"] == "retrieve")
    assert [s["label"] for s in retrieve["sub_steps"]] == ["keyword search", "vector search", "fuse"]
    assert all(s["isSubStep"] for s in retrieve["sub_steps"])


async def test_assistant_without_documents_does_not_retrieve(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.conftest import create_assistant

    assistant = await create_assistant(client, admin_headers)
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id())
    assert "sources" not in [e["type"] for e in events]
    assert "retrieve" not in {e.get("step_id") for e in events}


async def test_a_heading_with_nothing_under_it_is_found_by_keyword_but_not_embedded(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    page = b"# Deprecations\n\n## Telegraph interface\n\n## Fax gateway\n\nFaxes go to the archive.\n"
    await upload(client, admin_headers, connector["id"], [("changes.md", page)])
    assert {d["status"] for d in await wait_for_ingestion(client, admin_headers, connector["id"])} == {
        "ready"
    }

    found = await search(client, assistant["id"], "telegraph interface", mode="keyword")
    assert [r["content"] for r in found] == ["Telegraph interface"]
    vector = await search(client, assistant["id"], "telegraph interface", mode="vector", top_k=10)
    assert [r["content"] for r in vector] == ["Faxes go to the archive."]


async def test_an_assistant_fusing_by_scores_searches_and_a_wrong_method_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await _ready_assistant(client, admin_headers, retrieval={"fusion": "scores"})
    assert assistant["retrieval"]["fusion"] == "scores"
    results = await search(client, assistant["id"], "how often are passwords rotated")
    assert "rotated every 90 days" in results[0]["content"]
    assert results[0]["metadata"]["score"] <= 3.0  # a weighted sum of shares (1 + 2), not a rank score
    wrong = await client.patch(
        f"/api/v1/assistants/{assistant['id']}",
        json={"retrieval": {"fusion": "average"}},
        headers=admin_headers,
    )
    assert wrong.status_code == 422 and "fusion" in wrong.text
