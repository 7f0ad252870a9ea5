"""OCR: character accuracy (1 - CER) and pages/s on generated scans, by the size handed to the engine.

    PYTHONPATH=src .venv/bin/python bench/ocr.py [--max-sides 1200 1600 2000 2339] [--pages ...] [--no-pdf]

Pages come from tests/documents/ingestion/scans.py (A4 at 200 dpi, 2339 px high): clean, turned a
half and a quarter either way, speckled at 1 % and 2 % of pixels (with skew and blur),
and in 8-point print (the others are 11-point), clean and speckled. Each page goes through
ocr/page.py's read_page (shrink to --max-sides, upright retries, layout) and pdf_layout, as an
upload does; "passes" counts engine calls (a doubtful page is read turned too). The mixed PDF row
parses a typed + scanned + typed PDF with the product's default size. Prints a table and writes
bench/out/ocr.json (with each reading's text).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.documents.ingestion.scans

from tests.documents.ingestion import scans

from askwell.documents.parsing import pdf
from askwell.documents.parsing.base import ParseLimits
from askwell.documents.parsing.ocr import OcrEngine, TextLine, get_engine
from askwell.documents.parsing.ocr.page import MAX_SIDE, read_page
from askwell.documents.parsing.pdf_layout import blocks_from_lines

FLEET = (
    "Fleet notes",
    [
        "The blue delivery van needs new brake pads before the winter inspection.",
        "Fuel cards are kept in the locked drawer of the dispatch office.",
    ],
)
GARDEN = (
    "Garden rota",
    [
        "The greenhouse tomatoes are watered every Tuesday by the night porter.",
        "Compost goes in the green bins behind the boiler house, never in the skip.",
    ],
)
VAULT = (
    "Vault procedures",
    [
        "The vault door opens with code 4817 between eight and six on working days.",
        "Visitors sign the register at the front desk and wear a badge at all times.",
    ],
)
PAGES: dict[str, tuple[tuple[str, list[str]], dict[str, float | int]]] = {
    "clean": (VAULT, {}),
    "turned 180": (GARDEN, {"rotate": 180}),
    "turned 90": (VAULT, {"rotate": 90}),
    "turned 270": (VAULT, {"rotate": 270}),
    "speckle 1%": (FLEET, {"noise": 0.01, "seed": 3}),
    "speckle 2%": (FLEET, {"noise": 0.02, "seed": 7}),
    "8 pt": (GARDEN, {"points": 8}),
    "8 pt speckle": (FLEET, {"points": 8, "noise": 0.01, "seed": 3}),
}


class CountingEngine:
    """The real engine, counting its calls (each one a full detection + recognition pass)."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.calls = 0

    def read(self, image: Image.Image) -> list[TextLine]:
        self.calls += 1
        return self.engine.read(image)


def _measure_page(engine: CountingEngine, name: str, max_side: int) -> dict[str, object]:
    (heading, paragraphs), options = PAGES[name]
    image = scans.page_image(heading, paragraphs, **options)  # type: ignore[arg-type]
    engine.calls = 0
    started = time.perf_counter()
    lines = read_page(engine, image, page=1, dpi=scans.DPI, max_side=max_side)
    seconds = time.perf_counter() - started
    blocks = blocks_from_lines(lines)
    read = " ".join(b.text for b in blocks)
    return {
        "page": name,
        "max_side": max_side,
        "accuracy": round(scans.character_accuracy(scans.page_text(heading, paragraphs), read), 4),
        "seconds": round(seconds, 2),
        "passes": engine.calls,
        "text": read,
    }


def _measure_pdf(engine: CountingEngine) -> dict[str, object]:
    typed = ["The staff canteen serves soup at noon and closes at half past two on Fridays."]
    with tempfile.TemporaryDirectory() as folder:
        path = scans.save_pdf(
            [typed, scans.page_image(*FLEET, noise=0.02, seed=7), [*typed, "Page three is typed again."]],
            Path(folder) / "mixed.pdf",
        )
        started = time.perf_counter()
        document = pdf.parse(path, ParseLimits())
        seconds = time.perf_counter() - started
    expected = " ".join([*typed, FLEET[0], *FLEET[1], *typed, "Page three is typed again."])
    read = " ".join(b.text for b in document.blocks)
    pages = sorted({b.page for b in document.blocks if b.page is not None})
    return {
        "page": "mixed PDF (typed, speckle 2%, typed)",
        "max_side": MAX_SIDE,
        "accuracy": round(scans.character_accuracy(expected, read), 4),
        "seconds": round(seconds, 2),
        "pages_per_s": round(3 / seconds, 3),
        "block_pages": pages,
        "text": read,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-sides", type=int, nargs="+", default=[1200, 1600, 2000, 2339])
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    engine = CountingEngine(get_engine())
    load_s = time.perf_counter() - started
    machine = platform.processor() or platform.machine()
    print(f"engine load {load_s:.1f} s; {machine}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    rows = []
    print(f"{'page':<12} {'max side':>8} {'1-CER':>6} {'s/page':>7} {'pages/s':>7} {'passes':>6}")
    for max_side in args.max_sides:
        for name in args.pages:
            row = _measure_page(engine, name, max_side)
            rows.append(row)
            seconds = float(row["seconds"])  # type: ignore[arg-type]
            print(
                f"{name:<12} {max_side:>8} {row['accuracy']:>6.3f} {seconds:>7.2f} {1 / seconds:>7.3f} "
                f"{row['passes']:>6}"
            )
    if not args.no_pdf:
        row = _measure_pdf(engine)
        rows.append(row)
        print(
            f"{row['page']}: 1-CER {row['accuracy']:.3f}, {row['seconds']:.2f} s, "
            f"{row['pages_per_s']} pages/s, block pages {row['block_pages']}"
        )
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "ocr.json").write_text(
        json.dumps({"load_average": os.getloadavg(), "cpus": os.cpu_count(), "rows": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
