"""Hostile uploads: each is refused with a clear 4xx or ends `failed` with a reason, never a 500,
never a hang, and nothing is written outside the data folder.

Every hostile file is built here (tests/security/upload_files.py). After each test the folder
around the data folder is walked: whatever appeared must be inside the data folder (or the test's
own SQLite database), and no file named after the probes planted in the upload names exists in any
folder above it.
"""

from __future__ import annotations

import resource
import time
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import answer_text, chat, new_session_id
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.security import upload_files as hostile

PROBE = f"askwell-probe-{uuid.uuid4().hex[:10]}"


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def _nothing_written_outside_the_data_folder(tmp_path: Path) -> Iterator[None]:
    before = _files_under(tmp_path)
    yield
    data = tmp_path / "data"
    new = _files_under(tmp_path) - before
    outside = [p for p in new if data not in p.parents and not p.name.startswith("askwell.db")]
    assert outside == [], f"written outside the data folder: {outside}"
    for folder in [tmp_path, *tmp_path.parents, Path("/tmp")]:
        planted = list(folder.glob(f"{PROBE}*"))
        assert planted == [], f"a name escaped the upload folder: {planted}"
    stray = [p for p in _files_under(tmp_path) if PROBE in str(p) and data / "uploads" not in p.parents]
    assert stray == [], stray


def _raw_multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body with the names written byte for byte (httpx would escape a NUL as %00)."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="files"; filename="%s"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n%s\r\n" % (boundary.encode(), name.encode(), content)
        for name, content in files
    )
    return body + b"--%s--\r\n" % boundary.encode(), f"multipart/form-data; boundary={boundary}"


def _ok(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in documents}


async def test_hostile_names_are_stored_inside_the_data_folder_with_clean_bounded_names(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    names = [
        f"../../{PROBE}-dots.txt",
        f"..\\..\\{PROBE}-backslash.txt",
        f"/tmp/{PROBE}-absolute.txt",
        f"C:\\Windows\\{PROBE}-drive.txt",
        f"{PROBE}-nul\x00.exe.txt",
        f"{PROBE}-invoice\u202egpj.txt",
        f"{PROBE}-" + "a" * 980 + ".txt",
        f"{PROBE}-" + "\u00e9\U0001f600" * 490 + ".txt",
    ]
    files = [(name, f"Probe file number {i} says hello.".encode()) for i, name in enumerate(names)]
    body, content_type = _raw_multipart(files)
    response = await client.post(
        f"/api/v1/connectors/{connector['id']}/documents",
        content=body,
        headers={**admin_headers, "Content-Type": content_type},
    )
    assert response.status_code == 202, response.text
    documents = await wait_for_ingestion(client, admin_headers, connector["id"])
    assert len(documents) == len(names)
    for document in documents:
        name = document["name"]
        assert document["status"] == "ready", document
        assert len(name) <= 255 and name.endswith(".txt")
        assert not name.startswith(("/", "\\")) and ".." not in name.split("/")
        assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in name), ascii(name)
    stored = list(_files_under(tmp_path / "data" / "uploads"))
    assert len(stored) == len(names)
    assert all(len(p.name.encode()) <= 255 and p.name.isascii() for p in stored)


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\win.ini", "/dev/null", f"/tmp/{PROBE}"])
async def test_names_without_a_supported_type_are_refused_with_a_clean_415(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    body, content_type = _raw_multipart([(name + "\u202e\x00", b"root:x:0:0")])
    response = await client.post(
        f"/api/v1/connectors/{connector['id']}/documents",
        content=body,
        headers={**admin_headers, "Content-Type": content_type},
    )
    assert response.status_code == 415, response.text
    detail = response.json()["detail"]
    assert "\x00" not in detail and "\u202e" not in detail and ".." not in detail


async def test_too_many_files_in_one_upload_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    files = [(f"{PROBE}-{i}.txt", b"x") for i in range(201)]
    response = await upload(client, admin_headers, connector["id"], files)
    assert response.status_code == 400, response.text[:300]
    assert "Too many files" in response.json()["detail"] and "200" in response.json()["detail"]
    listed = await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    assert listed.json() == []


@pytest.mark.parametrize(
    ("kind", "count"), [("files", 1000), ("files", 5000), ("fields", 1000), ("fields", 5000)]
)
async def test_thousands_of_multipart_parts_are_refused_quickly(
    client: httpx.AsyncClient, admin_headers: dict[str, str], kind: str, count: int
) -> None:
    """1,000 is what the multipart parser allows by default: the upload route bounds it lower."""
    _, connector = await documents_assistant(client, admin_headers)
    if kind == "files":
        parts: list[tuple[str, Any]] = [
            ("files", (f"{PROBE}-{i}.txt", b"x", "text/plain")) for i in range(count)
        ]
    else:
        parts = [("files", ("one.txt", b"x", "text/plain"))]
        parts += [(f"field{i}", (None, b"v")) for i in range(count)]
    started = time.monotonic()
    response = await client.post(
        f"/api/v1/connectors/{connector['id']}/documents", files=parts, headers=admin_headers
    )
    assert response.status_code == 400, response.text[:300]
    assert "Too many" in response.json()["detail"]
    assert time.monotonic() - started < 30
    listed = await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    assert listed.json() == []


async def test_docx_bombs_and_corrupt_archives_fail_with_a_reason(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    files = [
        ("zip-bomb.docx", hostile.docx_zip_bomb()),
        ("lying-bomb.docx", hostile.docx_lying_bomb()),
        ("many-members.docx", hostile.docx_many_members()),
        ("laughs.docx", hostile.docx_billion_laughs()),
        ("corrupt.docx", hostile.corrupt_zip()),
    ]
    started = time.monotonic()
    response = await upload(client, admin_headers, connector["id"], files)
    assert response.status_code == 202, response.text
    documents = _ok(await wait_for_ingestion(client, admin_headers, connector["id"], timeout_s=60))
    assert time.monotonic() - started < 60
    assert {name: d["status"] for name, d in documents.items()} == {name: "failed" for name, _ in files}
    assert "zip bomb" in documents["zip-bomb.docx"]["error"]
    assert "corrupt DOCX" in documents["lying-bomb.docx"]["error"]
    assert "too many parts" in documents["many-members.docx"]["error"]
    assert "document type declaration" in documents["laughs.docx"]["error"]
    assert "corrupt DOCX" in documents["corrupt.docx"]["error"]
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak_after - peak_before < 300 * hostile.MiB  # nothing inflated the gigabyte


async def test_external_entities_never_read_local_files(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("host-files") / "secret.txt"
    secret.write_text("zebra-canary-4471 the host's private file")
    assistant, connector = await documents_assistant(client, admin_headers)
    html = (
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<html><body><p>The visible paragraph of the html entity report.</p><p>&xxe;</p></body></html>"
    ).encode()
    files = [("xxe.docx", hostile.docx_xxe(str(secret))), ("xxe.html", html)]
    response = await upload(client, admin_headers, connector["id"], files)
    assert response.status_code == 202, response.text
    documents = _ok(await wait_for_ingestion(client, admin_headers, connector["id"]))
    assert documents["xxe.docx"]["status"] == "failed"
    assert "document type declaration" in documents["xxe.docx"]["error"]
    assert documents["xxe.html"]["status"] == "ready"
    results = await search(client, assistant["id"], "visible paragraph entity report zebra canary", top_k=50)
    assert results and all("zebra-canary" not in str(r) for r in results)
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="what is the zebra canary?",
        headers=admin_headers,
    )
    assert "zebra-canary" not in answer_text(events)


async def test_looping_pdfs_fail_with_a_reason_in_bounded_time(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    files = [
        ("pages-loop.pdf", hostile.pdf_pages_loop()),
        ("xref-loop.pdf", hostile.pdf_xref_prev_loop()),
        ("objstm-loop.pdf", hostile.pdf_self_referencing_object_stream()),
    ]
    started = time.monotonic()
    response = await upload(client, admin_headers, connector["id"], files)
    assert response.status_code == 202, response.text
    documents = _ok(await wait_for_ingestion(client, admin_headers, connector["id"], timeout_s=30))
    assert time.monotonic() - started < 30
    for name, _ in files:
        assert documents[name]["status"] == "failed", documents[name]
        assert documents[name]["error"], documents[name]


@pytest.mark.parametrize(
    ("name", "content", "real"),
    [
        (
            "report.pdf",
            hostile.raw_zip(hostile.docx_parts(hostile.document_xml(hostile.paragraph("x")))),
            "ZIP",
        ),
        ("letter.docx", hostile.pdf_xref_prev_loop(), "PDF"),
        ("readme.md", hostile.ELF_HEAD + bytes(64), "ELF"),
        ("notes.md", hostile.PNG_HEAD + bytes(64), "PNG"),
        ("page.txt", b"\x1f\x8b\x08\x00" + bytes(32), "gzip"),
    ],
)
async def test_a_file_whose_bytes_contradict_its_name_is_refused_naming_what_it_is(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str, content: bytes, real: str
) -> None:
    _, connector = await documents_assistant(client, admin_headers)
    response = await upload(client, admin_headers, connector["id"], [(name, content)])
    assert response.status_code == 415, response.text
    body = response.json()
    assert body["code"] == "file_type_mismatch"
    assert name in body["detail"] and real in body["detail"]


async def test_text_formats_go_by_their_name_and_the_content_type_header_is_ignored(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """HTML named .txt is indexed as the plain text the user named it (nothing is rendered); a lying
    Content-Type changes nothing: the name and the bytes decide."""
    assistant, connector = await documents_assistant(client, admin_headers)
    parts = [
        ("files", ("page.txt", b"<html><body><p>Quokka tags stay text.</p></body></html>", "text/html")),
        ("files", ("notes.txt", b"Plain wombat notes.", "application/pdf")),
        ("files", ("mz.txt", b"MZ is the code of Mozambique.", "text/plain")),  # not a program
    ]
    response = await client.post(
        f"/api/v1/connectors/{connector['id']}/documents", files=parts, headers=admin_headers
    )
    assert response.status_code == 202, response.text
    documents = _ok(await wait_for_ingestion(client, admin_headers, connector["id"]))
    assert {n: (d["status"], d["type"]) for n, d in documents.items()} == {
        "page.txt": ("ready", "txt"),
        "notes.txt": ("ready", "txt"),
        "mz.txt": ("ready", "txt"),
    }
    results = await search(client, assistant["id"], "quokka tags", mode="keyword")
    assert "<p>Quokka" in results[0]["content"]
