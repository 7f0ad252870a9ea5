"""Reranking end to end: an assistant's reranker reorders its search results and its chat's
sources, against a real reranking server on 127.0.0.1; when that server is down, both still
answer in the fused order and say so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from askwell.settings import Settings
from tests.conftest import chat, new_session_id
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion
from tests.rerank_server import RerankServer, running_rerank_server, score
from tests.server import free_port

# One short file per topic: a chunk each, so the candidates are these passages.
FILES = [
    ("vacation.md", b"Employees receive 25 days of paid vacation per year. Unused days expire."),
    ("menu.txt", b"The cafeteria serves lentil soup on Mondays and grilled fish on Fridays."),
    ("security.md", b"Laptops use full-disk encryption and passwords are rotated every 90 days."),
    ("offices.md", b"The Zurich office is open from 8:00 to 18:00 on weekdays for visitors."),
    ("parking.md", b"Visitors park in the garage; employees get a parking card from the front desk."),
]
QUERY = "when are the passwords of employees rotated"
DOWN_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture(scope="module")
def rerank_server() -> Iterator[RerankServer]:
    with running_rerank_server() as running:
        yield running


@pytest.fixture
def reranker_url(rerank_server: RerankServer) -> str:
    return rerank_server.url


@pytest.fixture
def settings(settings: Settings, reranker_url: str) -> Settings:
    return settings.model_copy(update={"reranker_base_url": reranker_url})


async def _assistant(client: httpx.AsyncClient, headers: dict[str, str], **retrieval: Any) -> dict[str, Any]:
    assistant, connector = await documents_assistant(client, headers, retrieval=retrieval)
    response = await upload(client, headers, connector["id"], FILES)
    assert response.status_code == 202, response.text
    assert {d["status"] for d in await wait_for_ingestion(client, headers, connector["id"])} == {"ready"}
    return assistant


async def _search(client: httpx.AsyncClient, assistant_id: str, top_k: int) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/assistants/{assistant_id}/search", json={"query": QUERY, "top_k": top_k}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _set_reranker(
    client: httpx.AsyncClient, headers: dict[str, str], assistant_id: str, **retrieval: Any
) -> None:
    response = await client.patch(
        f"/api/v1/assistants/{assistant_id}", json={"retrieval": retrieval}, headers=headers
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("model", ["overlap", "reverse"])
async def test_search_returns_the_reranked_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str], model: str
) -> None:
    assistant = await _assistant(client, admin_headers)
    fused = await _search(client, assistant["id"], top_k=5)
    assert fused["rerank"] is None and len(fused["results"]) == 5

    await _set_reranker(client, admin_headers, assistant["id"], reranker=f"http:{model}", rerank_candidates=5)
    found = await _search(client, assistant["id"], top_k=3)
    # The five fused candidates, reordered by the server's scores (ties keep the fused order).
    expected = sorted(fused["results"], key=lambda s: -score(model, QUERY, s["content"]))[:3]
    assert [s["id"] for s in found["results"]] == [s["id"] for s in expected]
    first = found["results"][0]
    assert first["metadata"]["score"] == score(model, QUERY, first["content"])
    assert first["metadata"]["retrieval_score"] == next(
        s["metadata"]["score"] for s in fused["results"] if s["id"] == first["id"]
    )
    assert found["rerank"] == {"model": f"http:{model}", "candidates": 5, "fallback": False, "error": None}
    if model == "reverse":  # the least related passage now leads: the order is the reranker's
        assert "passwords" not in first["content"] and "passwords" in fused["results"][0]["content"]


async def test_candidates_are_at_least_top_k(
    client: httpx.AsyncClient, admin_headers: dict[str, str], rerank_server: RerankServer
) -> None:
    assistant = await _assistant(client, admin_headers, reranker="http:overlap", rerank_candidates=2)
    found = await _search(client, assistant["id"], top_k=4)
    assert len(found["results"]) == 4 and found["rerank"]["candidates"] == 4
    assert len(rerank_server.seen[-1].body["documents"]) == 4


@pytest.mark.parametrize("reranker_url", [DOWN_URL])
async def test_reranker_down_keeps_the_fused_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await _assistant(client, admin_headers)
    fused = await _search(client, assistant["id"], top_k=3)
    await _set_reranker(
        client, admin_headers, assistant["id"], top_k=3, reranker="http:overlap", rerank_candidates=5
    )

    found = await _search(client, assistant["id"], top_k=3)
    assert found["results"] == fused["results"]
    rerank = found["rerank"]
    assert rerank["fallback"] is True and rerank["candidates"] == 5
    assert "Cannot reach the reranker http:overlap" in rerank["error"]

    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message=QUERY)
    step = next(
        e for e in events if e["type"] == "step" and e["step_id"] == "rerank" and e["status"] == "done"
    )
    assert step["metadata"]["fallback"] is True and "ASKWELL_RERANKER_BASE_URL" in step["metadata"]["error"]
    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert [s["id"] for s in sources] == [s["id"] for s in fused["results"]]


async def test_chat_shows_the_rerank_step_and_its_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await _assistant(client, admin_headers, top_k=3, reranker="http:reverse", rerank_candidates=5)
    searched = await _search(client, assistant["id"], top_k=3)
    session_id = new_session_id()
    events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message=QUERY)

    done = {e["step_id"]: e for e in events if e["type"] == "step" and e["status"] == "done"}
    rerank = done["rerank"]
    assert rerank["label"] == "rerank" and rerank["parent_id"] == "retrieve"
    assert rerank["metadata"]["model"] == "http:reverse" and rerank["metadata"]["fallback"] is False
    assert rerank["metadata"]["candidates"] == 5 and rerank["metadata"]["duration_ms"] >= 0
    assert rerank["sequence"] > done["fuse"]["sequence"]
    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert [s["id"] for s in sources] == [s["id"] for s in searched["results"]]

    history = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"][-1]
    retrieve = next(s for s in history["steps"] if s["step_id"] == "retrieve")
    assert [s["label"] for s in retrieve["sub_steps"]] == [
        "keyword search",
        "vector search",
        "fuse",
        "rerank",
    ]


@pytest.mark.parametrize(
    ("retrieval", "message"),
    [
        ({"reranker": "local:ms-marco"}, "Unknown reranker provider 'local'; known: http"),
        ({"reranker": "http"}, "should match pattern"),
        ({"reranker": "http:x", "rerank_candidates": 0}, "greater than or equal to 1"),
        ({"reranker": "http:x", "rerank_candidates": 101}, "less than or equal to 100"),
    ],
)
async def test_invalid_reranker_settings_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], retrieval: dict[str, Any], message: str
) -> None:
    response = await client.post(
        "/api/v1/assistants", json={"name": "bad reranker", "retrieval": retrieval}, headers=admin_headers
    )
    assert response.status_code == 422
    assert message in response.text
