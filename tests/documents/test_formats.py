"""Real files of every format through the API: the right page, headings and failures."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import chat, new_session_id
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.documents.ingestion import files


async def _ingest(client: httpx.AsyncClient, headers: dict[str, str], paths: list[Path], **fields: object):  # type: ignore[no-untyped-def]
    assistant, connector = await documents_assistant(client, headers, **fields)
    response = await upload(client, headers, connector["id"], [(p.name, p.read_bytes()) for p in paths])
    assert response.status_code == 202, response.text
    documents = {d["name"]: d for d in await wait_for_ingestion(client, headers, connector["id"])}
    return assistant, documents


async def test_answer_on_page_3_of_a_pdf_cites_page_3(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assistant, documents = await _ingest(
        client, admin_headers, [files.pdf_with_known_pages(tmp_path)], model="scripted:echo"
    )
    manual = documents["manual.pdf"]
    assert manual["status"] == "ready" and manual["pages"] == 4 and manual["type"] == "pdf"

    results = await search(client, assistant["id"], "What is the launch code?", top_k=1)
    assert "7319" in results[0]["content"] and results[0]["metadata"]["page"] == 3
    assert results[0]["metadata"]["heading_path"][-1] == "2.1 Secrets"

    events = await chat(
        client, assistant_id=assistant["id"], session_id=new_session_id(), message="What is the launch code?"
    )
    sources = next(e for e in events if e["type"] == "sources")["sources"]
    assert sources[0]["type"] == "pdf" and sources[0]["metadata"]["page"] == 3
    assert "7319" in sources[0]["content"]


async def test_docx_headings_and_table_are_searchable(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assistant, documents = await _ingest(client, admin_headers, [files.structured_docx(tmp_path)])
    assert documents["guide.docx"]["status"] == "ready"
    results = await search(client, assistant["id"], "DATA_DIR where files go", mode="keyword", top_k=1)
    assert "DATA_DIR" in results[0]["content"] and "Where files go" in results[0]["content"]
    # The document's title (its core properties) heads the path: no heading says it.
    assert results[0]["metadata"]["heading_path"][:3] == ["Askwell user guide", "User guide", "Installation"]


async def test_html_navigation_is_dropped(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assistant, documents = await _ingest(client, admin_headers, [files.html_page(tmp_path)])
    assert documents["page.html"]["status"] == "ready"
    contents = " ".join(
        r["content"] for r in await search(client, assistant["id"], "backups restores", top_k=20)
    )
    assert "Backups run every night" in contents
    assert "breadcrumb" not in contents.lower() and "sidebar" not in contents.lower()


async def test_bad_files_fail_with_reasons_and_others_succeed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    bad = {
        "encrypted.pdf": ("encrypted", files.encrypted_pdf(tmp_path)),
        "scanned.pdf": ("no text found", files.scanned_pdf(tmp_path)),
        "corrupt.pdf": ("corrupt", files.corrupt_pdf(tmp_path)),
        "bomb.docx": ("limit", files.docx_zip_bomb(tmp_path, 256)),
    }
    paths = [path for _, path in bad.values()] + [files.markdown_file(tmp_path)]
    _, documents = await _ingest(client, admin_headers, paths)
    for _name, (reason, path) in bad.items():
        document = documents[path.name]
        assert document["status"] == "failed", document
        assert reason in document["error"], document
    markdown = documents[files.markdown_file(tmp_path).name]
    assert markdown["status"] == "ready"
