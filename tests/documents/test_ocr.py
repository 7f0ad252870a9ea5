"""Scans and images through the API: OCR'd text in the chunks, on the right page, bad images fail alone.

The scans are rendered here (tests/documents/ingestion/scans.py): clean, turned a half or a
quarter, and soiled (skew, blur, speckles). The accuracy floor is 0.9 of characters right (1 -
CER): bench/ocr.py measures 0.99 and more on these pages (RESULTS.md, "ocr"), and 0.9 still
leaves every test sentence searchable while allowing a few misread characters per line; it also
fails at once when a page is read upside down (about 0.3) or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.documents.ingestion import scans

ACCURACY_FLOOR = 0.9

VAULT = (
    "Vault procedures",
    [
        "The vault door opens with code 4817 between eight and six on working days.",
        "Visitors sign the register at the front desk and wear a badge at all times.",
    ],
)
GARDEN = (
    "Garden rota",
    [
        "The greenhouse tomatoes are watered every Tuesday by the night porter.",
        "Compost goes in the green bins behind the boiler house, never in the skip.",
    ],
)
FLEET = (
    "Fleet notes",
    [
        "The blue delivery van needs new brake pads before the winter inspection.",
        "Fuel cards are kept in the locked drawer of the dispatch office.",
    ],
)


async def _ingest(
    client: httpx.AsyncClient, headers: dict[str, str], paths: list[Path]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    assistant, connector = await documents_assistant(client, headers)
    response = await upload(client, headers, connector["id"], [(p.name, p.read_bytes()) for p in paths])
    assert response.status_code == 202, response.text
    documents = {
        d["name"]: d for d in await wait_for_ingestion(client, headers, connector["id"], timeout_s=600)
    }
    return assistant, documents


async def _document_text(client: httpx.AsyncClient, assistant_id: str, name: str) -> str:
    """Every chunk of document `name` in order (vector search with a large top_k returns all)."""
    results = [
        r for r in await search(client, assistant_id, "notes", mode="vector", top_k=50) if r["name"] == name
    ]
    return " ".join(r["content"] for r in sorted(results, key=lambda r: r["metadata"]["chunk_index"]))


def _assert_reads(text: str, *pages: tuple[str, list[str]]) -> None:
    """The chunks hold the pages' paragraphs (headings go to the chunks' heading paths)."""
    expected = " ".join(paragraph for _, paragraphs in pages for paragraph in paragraphs)
    accuracy = scans.character_accuracy(expected, text)
    assert accuracy >= ACCURACY_FLOOR, (accuracy, text)


async def _cited_page(
    client: httpx.AsyncClient, assistant_id: str, question: str, fact: str
) -> tuple[str, int]:
    hit = (await search(client, assistant_id, question, top_k=1))[0]
    assert fact in hit["content"], hit
    return hit["name"], hit["metadata"]["page"]


async def test_a_scanned_pdf_is_read_page_by_page_even_upside_down(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    pdf = scans.save_pdf(
        [scans.page_image(*VAULT), scans.page_image(*GARDEN, rotate=180)], tmp_path / "scanned.pdf"
    )
    assistant, documents = await _ingest(client, admin_headers, [pdf])
    document = documents["scanned.pdf"]
    assert document["status"] == "ready" and document["pages"] == 2, document

    _assert_reads(await _document_text(client, assistant["id"], "scanned.pdf"), VAULT, GARDEN)
    assert await _cited_page(client, assistant["id"], "What is the vault door code?", "4817") == (
        "scanned.pdf",
        1,
    )
    hit = (await search(client, assistant["id"], "When are the greenhouse tomatoes watered?", top_k=1))[0]
    assert hit["metadata"]["page"] == 2 and "Tuesday" in hit["content"]
    assert hit["metadata"]["heading_path"][-1] == "Garden rota"  # the OCR'd heading, by its size


async def test_a_pdf_of_typed_and_scanned_pages_keeps_each_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    typed = ["The staff canteen serves soup at noon and closes at half past two on Fridays."]
    pdf = scans.save_pdf(
        [typed, scans.page_image(*FLEET, noise=0.02, seed=7), [*typed, "Page three is typed again."]],
        tmp_path / "mixed.pdf",
    )
    assistant, documents = await _ingest(client, admin_headers, [pdf])
    assert documents["mixed.pdf"]["status"] == "ready" and documents["mixed.pdf"]["pages"] == 3

    text = await _document_text(client, assistant["id"], "mixed.pdf")
    _assert_reads(text, ("", typed), FLEET, ("", [*typed, "Page three is typed again."]))
    cited = await _cited_page(client, assistant["id"], "Where are the fuel cards kept?", "dispatch office")
    assert cited == ("mixed.pdf", 2)
    assert await _cited_page(client, assistant["id"], "Page three is typed again", "three") == (
        "mixed.pdf",
        3,
    )


async def test_png_and_multi_page_tiff_uploads_are_read_with_pages(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    png = scans.save_png(scans.page_image(*VAULT, rotate=90), tmp_path / "vault.png")
    tiff = scans.save_tiff(
        [scans.page_image(*GARDEN), scans.page_image(*FLEET, noise=0.01, seed=3)], tmp_path / "binder.tiff"
    )
    assistant, documents = await _ingest(client, admin_headers, [png, tiff])
    assert documents["vault.png"]["status"] == "ready" and documents["vault.png"]["type"] == "png"
    assert documents["binder.tiff"]["status"] == "ready" and documents["binder.tiff"]["pages"] == 2

    _assert_reads(await _document_text(client, assistant["id"], "vault.png"), VAULT)
    _assert_reads(await _document_text(client, assistant["id"], "binder.tiff"), GARDEN, FLEET)
    assert await _cited_page(client, assistant["id"], "What is the vault door code?", "4817") == (
        "vault.png",
        1,
    )
    cited = await _cited_page(client, assistant["id"], "Which vehicle needs brake pads?", "brake pads")
    assert cited == ("binder.tiff", 2)


async def test_a_corrupt_or_oversized_image_fails_alone_with_a_reason(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    good = scans.save_png(scans.page_image(*GARDEN), tmp_path / "good.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:2000])  # an interrupted transfer
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image at all, just text named .jpg")
    bomb = tmp_path / "bomb.png"
    # 1 bit per pixel, 40000 x 40000, all white: a few hundred kB that decode to 1.6 gigapixels.
    from PIL import Image

    Image.new("1", (40_000, 40_000), 1).save(bomb, optimize=True)

    assistant, documents = await _ingest(client, admin_headers, [good, cut, garbage, bomb])
    assert documents["good.png"]["status"] == "ready", documents["good.png"]
    assert documents["cut.png"]["status"] == "failed" and "corrupt image" in documents["cut.png"]["error"]
    assert (
        documents["garbage.jpg"]["status"] == "failed"
        and "corrupt image" in documents["garbage.jpg"]["error"]
    )
    assert documents["bomb.png"]["status"] == "failed" and "image too large" in documents["bomb.png"]["error"]
    _assert_reads(await _document_text(client, assistant["id"], "good.png"), GARDEN)
