"""`askwell eval`: locally (a subprocess on a fresh data folder) and against a server's API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from askwell.cli._eval_backends import HttpBackend, wait
from askwell.cli.evaluation import compare_table, run_table
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion
from tests.test_cli import askwell

SET = (
    b'{"question": "What does VACUUM do?", "expected_answer": "It rebuilds the database file.",'
    b' "expected_documents": ["vacuum.md"]}\n'
    b'{"question": "How big may a database be?", "expected_documents": ["limits.md"]}\n'
)


def test_eval_run_and_compare_locally(tmp_path: Path) -> None:
    assert askwell(tmp_path, "assistants", "create", "faq").returncode == 0
    set_file = tmp_path / "set.jsonl"
    set_file.write_bytes(SET)
    runs = []
    for _ in range(2):
        done = askwell(tmp_path, "eval", "run", str(set_file), "--assistant", "faq")
        assert done.returncode == 0, done.stderr
        runs.append(re.search(r"run ([0-9a-f-]{36}): 2 questions", done.stderr).group(1))  # type: ignore[union-attr]
        assert "done  2/2 questions, 0 failed" in done.stdout
        # No documents: nothing to retrieve, so retrieval scores 0 and the answer still scores.
        assert re.search(r"hybrid nDCG@10 +0\.0000", done.stdout), done.stdout
        assert re.search(r"answer token-F1 +0\.\d{4}", done.stdout), done.stdout
    compared = askwell(tmp_path, "eval", "compare", *runs)
    assert compared.returncode == 0, compared.stderr
    assert re.search(r"hybrid Recall@10 +0\.0000 +0\.0000 +\+0\.0000", compared.stdout), compared.stdout
    shown = askwell(tmp_path, "eval", "show", runs[0], "--json")
    assert json.loads(shown.stdout)["metrics"]["questions"] == 2

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"question": "fine"}\n{"expected_answer": "no question"}\n')
    refused = askwell(tmp_path, "eval", "run", str(bad), "--assistant", "faq")
    assert refused.returncode == 1
    assert "line 2, question: Field required" in refused.stderr


async def test_eval_against_a_server(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    assistant, connector = await documents_assistant(client, admin_headers)
    files = [("vacuum.md", b"# VACUUM\n\nVACUUM rebuilds the database file, repacking it.\n")]
    assert (await upload(client, admin_headers, connector["id"], files)).status_code == 202
    await wait_for_ingestion(client, admin_headers, connector["id"])
    client.headers.update(admin_headers)
    backend = HttpBackend(client)
    first = await wait(
        backend, await backend.start(filename="s.jsonl", content=SET, assistant=assistant["name"], limit=None)
    )
    second = await wait(
        backend, await backend.start(filename="s.jsonl", content=SET, assistant=assistant["id"], limit=1)
    )
    assert (first["status"], first["total"], second["total"]) == ("done", 2, 1)
    assert first["metrics"]["retrieval"]["hybrid"]["recall_at_10"] == 0.5  # vacuum.md found, limits.md absent
    table = "\n".join(run_table(first))
    assert re.search(r"hybrid MRR@10 +0\.5000", table), table
    compared = "\n".join(compare_table(first, second))
    assert re.search(r"hybrid MRR@10 +0\.5000 +1\.0000 +\+0\.5000", compared), compared
