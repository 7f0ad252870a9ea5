"""Scans and images through the API: OCR'd text in the chunks, on the right page, bad images fail alone.

The scans are rendered here (tests/documents/ingestion/scans.py): clean, turned a half or a
quarter, and soiled (skew, blur, speckles). The accuracy floor is 0.95 of characters right (1 -
CER) over a document's text: bench/ocr.py reads every one of these pages at 1.000 with the
default size (RESULTS.md, "ocr"), while losing one short line ("inspection.", as 2000 px without
despeckling did on the speckled page) brings a document to about 0.92, and a page read upside
down (mostly garbage) far lower. Scanned pages give paragraphs only (ocr/layout.py says why): their
headings are read as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.documents.parsing import image, pdf
from askwell.documents.parsing.base import ParseError, ParseLimits
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.documents.ingestion import scans

ACCURACY_FLOOR = 0.95

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
    """The chunks hold the pages' text, a scan's heading as a paragraph of its own."""
    expected = " ".join(scans.page_text(heading, paragraphs) for heading, paragraphs in pages)
    accuracy = scans.character_accuracy(expected, text)
    assert accuracy >= ACCURACY_FLOOR, (accuracy, text)


async def _assert_cited(
    client: httpx.AsyncClient, assistant_id: str, question: str, fact: str, name: str, page: int
) -> None:
    """The best hit holds `fact` and cites `name` on pages that include `page`. A chunk may run
    over a page break (these pages are short), so the exact page of each block is checked on the
    parser's output in test_each_read_block_keeps_its_page."""
    hit = (await search(client, assistant_id, question, top_k=1))[0]
    assert fact in hit["content"], hit
    assert hit["name"] == name, hit
    assert hit["metadata"]["page"] <= page <= hit["metadata"]["page_end"], hit["metadata"]


def test_each_read_block_keeps_its_page(tmp_path: Path) -> None:
    """Typed, scanned and upside-down scanned pages of one PDF: every block on its own page."""
    typed = ["The staff canteen serves soup at noon and closes at half past two on Fridays."]
    path = scans.save_pdf(
        [typed, scans.page_image(*VAULT), scans.page_image(*GARDEN, rotate=180)], tmp_path / "three.pdf"
    )
    document = pdf.parse(path, ParseLimits())
    assert document.pages == 3
    by_page = {page: " ".join(b.text for b in document.blocks if b.page == page) for page in (1, 2, 3)}
    assert {b.kind for b in document.blocks} == {"paragraph"}  # scans give no headings (ocr/layout.py)
    assert scans.character_accuracy(" ".join(typed), by_page[1]) == 1.0  # the text layer, exact
    assert scans.character_accuracy(scans.page_text(*VAULT), by_page[2]) >= ACCURACY_FLOOR, by_page
    assert scans.character_accuracy(scans.page_text(*GARDEN), by_page[3]) >= ACCURACY_FLOOR, by_page
    assert "4817" in by_page[2] and "Tuesday" in by_page[3]


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
    await _assert_cited(client, assistant["id"], "What is the vault door code?", "4817", "scanned.pdf", 1)
    await _assert_cited(
        client, assistant["id"], "When are the greenhouse tomatoes watered?", "Tuesday", "scanned.pdf", 2
    )


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
    await _assert_cited(
        client, assistant["id"], "Where are the fuel cards kept?", "dispatch office", "mixed.pdf", 2
    )
    await _assert_cited(client, assistant["id"], "Page three is typed again", "three", "mixed.pdf", 3)


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
    await _assert_cited(client, assistant["id"], "What is the vault door code?", "4817", "vault.png", 1)
    await _assert_cited(
        client, assistant["id"], "Which vehicle needs brake pads?", "brake pads", "binder.tiff", 2
    )


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


def test_with_ocr_off_images_fail_and_scanned_pages_are_skipped(tmp_path: Path) -> None:
    off = ParseLimits(ocr_engine=None)
    png = scans.save_png(scans.page_image(*VAULT), tmp_path / "vault.png")
    with pytest.raises(ParseError, match="OCR, which is turned off"):
        image.parse(png, off)
    typed = ["The staff canteen serves soup at noon and closes at half past two on Fridays."]
    mixed = scans.save_pdf([typed, scans.page_image(*VAULT)], tmp_path / "mixed.pdf")
    document = pdf.parse(mixed, off)
    assert document.pages == 2 and {b.page for b in document.blocks} == {1}
    assert " ".join(b.text for b in document.blocks) == typed[0]
    scanned = scans.save_pdf([scans.page_image(*VAULT)], tmp_path / "scanned.pdf")
    with pytest.raises(ParseError, match="OCR is turned off"):
        pdf.parse(scanned, off)
