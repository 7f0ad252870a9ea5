"""Evaluation end to end through the API: a docs-devset slice, a scripted model, the job queue."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from askwell.assistants.models import Assistant
from askwell.evaluation.runner import run_settings
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion

BREAKS = "function:tests.models:breaks_on_request"


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


async def _upload_set(
    client: httpx.AsyncClient, headers: dict[str, str], assistant: str, body: bytes, name: str
):
    return await client.post(
        f"/api/v1/assistants/{assistant}/evaluation-sets",
        files={"file": (name, body, "application/octet-stream")},
        headers=headers,
    )


async def _finished(client: httpx.AsyncClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        run = (await client.get(f"/api/v1/evaluation-runs/{run_id}", headers=headers)).json()
        if run["status"] in ("done", "failed"):
            return dict(run)
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.2)


async def test_the_settings_snapshot_names_the_reranker(app: Any) -> None:
    assistant = Assistant(
        name="x", retrieval={"reranker": "http:bge-reranker-v2-m3", "rerank_candidates": 30}
    )
    snapshot = run_settings(app.state.runtime, assistant)
    assert snapshot["reranker"] == {
        "model": "http:bge-reranker-v2-m3",
        "candidates": 30,
        "applies_to": "answer",
    }


async def test_a_run_scores_retrieval_answers_and_citations(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    devset_pages: dict[str, bytes],
    devset_queries: list[dict[str, Any]],
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers, model=BREAKS)
    assert (
        await upload(client, admin_headers, connector["id"], list(devset_pages.items()))
    ).status_code == 202
    documents = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert {d["status"] for d in documents} == {"ready"}
    rows = [
        {
            "id": q["id"],
            "question": q["query"],
            "expected_answer": q["reference_answer"],
            "expected_documents": q["qrels"],
        }
        for q in devset_queries
    ]
    rows.append(
        {"question": "Why is VACUUM slow? please break here", "expected_documents": ["lang_vacuum.html"]}
    )
    created = await _upload_set(client, admin_headers, assistant["id"], _jsonl(rows), "faq.jsonl")
    assert created.status_code == 201, created.text
    eval_set = created.json()
    assert eval_set["item_count"] == 5
    listed = (
        await client.get(f"/api/v1/assistants/{assistant['id']}/evaluation-sets", headers=admin_headers)
    ).json()
    assert [s["id"] for s in listed] == [eval_set["id"]]

    started = await client.post(f"/api/v1/evaluation-sets/{eval_set['id']}/runs", headers=admin_headers)
    assert started.status_code == 202, started.text
    run = await _finished(client, admin_headers, started.json()["id"])

    # The failing question is recorded as an error, and the run completes.
    assert run["status"] == "done", run
    assert (run["completed"], run["total"], run["failed_questions"]) == (5, 5, 1)
    metrics = run["metrics"]
    assert (metrics["questions"], metrics["errors"]) == (5, 1)
    for mode in ("keyword", "vector", "hybrid"):
        scores = metrics["retrieval"][mode]
        assert scores["questions"] == 4
        for name in ("ndcg_at_10", "recall_at_10", "mrr_at_10"):
            assert 0.0 <= scores[name] <= 1.0
        assert scores["recall_at_10"] > 0  # five pages, each query's page among them
    for name in ("answer_f1", "citation_precision", "abstention_rate"):
        assert 0.0 <= metrics[name] <= 1.0, name
    assert metrics["answer_f1"] > 0  # the echo answer repeats the question's words
    assert metrics["sql_execution_accuracy"] is None  # no question of the set gives SQL
    assert {"retrieval_hybrid", "answer_total"} <= metrics["latency_p50_ms"].keys()
    assert run["settings"]["model"] == BREAKS
    assert run["settings"]["retrieval"]["fusion"] == "scores"
    assert run["settings"]["reranker"] is None

    # Drill-down: what each mode retrieved, what was answered and cited.
    page = (
        await client.get(f"/api/v1/evaluation-runs/{run['id']}/questions?limit=2", headers=admin_headers)
    ).json()
    assert (page["total"], len(page["items"])) == (5, 2)
    first = page["items"][0]
    assert first["question"] == devset_queries[0]["query"]
    hybrid = first["retrieved"]["hybrid"]
    assert hybrid and len({d["name"] for d in hybrid}) == len(hybrid) <= 10
    assert {d["name"] for d in hybrid} <= set(devset_pages)
    assert any(d["relevant"] for d in hybrid)  # datatype3.html answers faq-q2
    assert first["answer"].startswith("You asked:")
    assert first["citations"] and first["citations"][0]["number"] == 1
    assert first["error"] is None
    failed = (
        await client.get(
            f"/api/v1/evaluation-runs/{run['id']}/questions?errors_only=true", headers=admin_headers
        )
    ).json()
    assert [q["position"] for q in failed["items"]] == [4]
    assert failed["items"][0]["error"]
    # Evaluation leaves no chats behind.
    assert (await client.get("/api/v1/chat/sessions", headers=admin_headers)).json() == []

    runs = (
        await client.get(f"/api/v1/assistants/{assistant['id']}/evaluation-runs", headers=admin_headers)
    ).json()
    assert [r["id"] for r in runs] == [run["id"]]
    assert (
        await client.delete(f"/api/v1/evaluation-runs/{run['id']}", headers=admin_headers)
    ).status_code == 204
    assert (
        await client.get(f"/api/v1/evaluation-runs/{run['id']}", headers=admin_headers)
    ).status_code == 404
    # Deleting the set takes its runs with it.
    again = await client.post(f"/api/v1/evaluation-sets/{eval_set['id']}/runs", headers=admin_headers)
    await _finished(client, admin_headers, again.json()["id"])
    deleted = await client.delete(f"/api/v1/evaluation-sets/{eval_set['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/evaluation-runs/{again.json()['id']}", headers=admin_headers)
    assert gone.status_code == 404


async def test_a_malformed_set_is_refused_with_line_numbers(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, _ = await documents_assistant(client, admin_headers)
    body = (
        b'{"question": "fine"}\n{"question": ""}\nnot json\n'
        b'{"question": "x", "expected_documents": [{"page": 2}]}\n'
    )
    response = await _upload_set(client, admin_headers, assistant["id"], body, "bad.jsonl")
    assert response.status_code == 422, response.text
    fields = {problem["field"] for problem in response.json()["detail"]}
    assert {"file.line 2.question", "file.line 3.line", "file.line 4.expected_documents.0.name"} <= fields
    csv = b"question,expected_result\nok,[[1]]\nbad,[[1\n"
    response = await _upload_set(client, admin_headers, assistant["id"], csv, "set.csv")
    assert response.status_code == 422, response.text
    assert [p["field"] for p in response.json()["detail"]] == ["file.line 3.expected_result"]
    no_column = await _upload_set(client, admin_headers, assistant["id"], b"q\nhello\n", "set.csv")
    assert no_column.status_code == 422
    listed = (
        await client.get(f"/api/v1/assistants/{assistant['id']}/evaluation-sets", headers=admin_headers)
    ).json()
    assert listed == []


async def test_a_csv_set_with_pages_is_stored(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, _ = await documents_assistant(client, admin_headers)
    csv = b'question,expected_answer,expected_documents\n"How big?",Very big,guide.pdf#4; faq.html\n'
    response = await _upload_set(client, admin_headers, assistant["id"], csv, "set.csv")
    assert response.status_code == 201, response.text
    assert response.json()["item_count"] == 1


async def test_the_latest_runs_of_a_long_history_are_listed_first_on_request(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant, _ = await documents_assistant(client, admin_headers)
    body = b"question,expected_answer\nWhat is it?,A thing\n"
    eval_set = (await _upload_set(client, admin_headers, assistant["id"], body, "s.csv")).json()
    started = []
    for _ in range(3):
        run = await client.post(f"/api/v1/evaluation-sets/{eval_set['id']}/runs", headers=admin_headers)
        assert run.status_code == 202, run.text
        started.append((await _finished(client, admin_headers, run.json()["id"]))["id"])
    path = f"/api/v1/assistants/{assistant['id']}/evaluation-runs"
    oldest = await client.get(path, params={"limit": 2}, headers=admin_headers)
    assert [r["id"] for r in oldest.json()] == started[:2] and oldest.headers["X-Total-Count"] == "3"
    newest = await client.get(path, params={"limit": 2, "order": "newest"}, headers=admin_headers)
    assert [r["id"] for r in newest.json()] == started[:0:-1]
    wrong = await client.get(path, params={"order": "sideways"}, headers=admin_headers)
    assert wrong.status_code == 422
