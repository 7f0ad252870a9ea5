"""PDF text through pdfium (pypdfium2): each text line with its page and position; scans by OCR.

pdfium is Chrome's PDF engine: fast (a 100-page text PDF reads in a fraction of a second),
permissively licensed, and tolerant of the broken files people upload. It gives text in reading
order with "\\r\\n" line ends but no paragraph breaks, so each line's baseline, left edge, right
edge and font size are read too; pdf_layout.py turns them into paragraphs and headings.

A page with (almost) no text layer but an image on it is a scan: it is rendered at about 200 dpi
and read by OCR (ocr/), and its lines join the text pages' lines, so a PDF that mixes typed and
scanned pages reads page by page and every block keeps its page number. Pages with a text layer
keep it: it is exact where OCR guesses, and a thousand times faster.

pdfium is not thread-safe, not even across documents, and parsing runs in worker threads: every
call into it holds one module-wide lock, and the document is closed before the lock is released.
OCR takes a second or more per page, so it runs outside the lock: each scanned page is rendered
under the lock from a freshly opened document, closed again, and only then read.
"""

from __future__ import annotations

import ctypes
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from askwell.documents.parsing.base import EMPTY_FILE, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.ocr import get_engine
from askwell.documents.parsing.ocr.page import read_page
from askwell.documents.parsing.pdf_layout import Line, blocks_from_lines

if TYPE_CHECKING:
    from PIL import Image

_PDFIUM_LOCK = threading.Lock()
_LINE = re.compile(r"[^\r\n]+")
# A page whose text layer has fewer letters and digits than this, and an image, is read by OCR: a
# scanner's stamp or a page number is not the page's text.
_MIN_TEXT_CHARS = 20
# Scanned pages are rendered at an office scanner's resolution (read_page despeckles at that size,
# then shrinks), and no larger than this for pages bigger than A4.
_SCAN_DPI = 200
_RENDER_MAX_SIDE = 3000
_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted PDF (password protected)",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted PDF (unsupported security handler)",
    pdfium_c.FPDF_ERR_FORMAT: "corrupt PDF: not a PDF file or damaged beyond repair",
    pdfium_c.FPDF_ERR_FILE: "corrupt PDF: the file could not be read",
}


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    if path.stat().st_size == 0:
        raise ParseError(EMPTY_FILE)
    with _PDFIUM_LOCK:
        lines, scans, pages, title = _read(path, limits)
    if pages == 0:
        raise ParseError(EMPTY_FILE)
    if scans and limits.ocr_engine is not None:
        engine = get_engine(limits.ocr_engine)
        for number in scans:
            with _PDFIUM_LOCK:
                image, dpi = _render(path, number)
            lines.extend(read_page(engine, image, page=number, dpi=dpi))
        lines.sort(key=lambda line: line.page)  # stable: each page keeps its reading order
    blocks = blocks_from_lines(lines)
    if not blocks and scans and limits.ocr_engine is None:
        raise ParseError("scanned PDF without a text layer, and OCR is turned off (ASKWELL_OCR_ENGINE=none)")
    if not blocks:
        raise ParseError("no text found: neither a text layer nor text that OCR could read")
    if title is None:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return ParsedDocument(blocks=blocks, pages=pages, title=title)


def _read(path: Path, limits: ParseLimits) -> tuple[list[Line], list[int], int, str | None]:
    """The text layer's lines, the pages to read by OCR, the page count and the title."""
    document = _open(path)
    try:
        pages = len(document)
        if pages > limits.max_pages:
            raise ParseError(f"PDF has {pages} pages, more than the limit of {limits.max_pages}")
        lines: list[Line] = []
        scans: list[int] = []
        for number in range(1, pages + 1):
            page_lines = _page_lines(document, number)
            if _is_scan(document, number, page_lines):
                scans.append(number)
            else:
                lines.extend(page_lines)
        title = (document.get_metadata_value("Title") or "").strip() or None
        return lines, scans, pages, title
    except pdfium.PdfiumError as exc:
        raise ParseError(f"corrupt PDF: {exc}") from exc
    finally:
        document.close()  # also closes the pages and text pages opened from it


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        reason = _LOAD_ERRORS.get(exc.err_code or 0, f"corrupt PDF: {exc}")
        raise ParseError(reason) from exc


def _is_scan(document: pdfium.PdfDocument, number: int, lines: list[Line]) -> bool:
    if sum(c.isalnum() for line in lines for c in line.text) >= _MIN_TEXT_CHARS:
        return False
    page = document[number - 1]
    try:
        return next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), None) is not None
    finally:
        page.close()


def _render(path: Path, number: int) -> tuple[Image.Image, float]:
    """Page `number` as a grey image (its /Rotate applied) and the dpi it was rendered at."""
    document = _open(path)
    try:
        page = document[number - 1]
        scale = min(_SCAN_DPI / 72, _RENDER_MAX_SIDE / max(page.get_size()))
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().copy()  # to_pil may share the bitmap's buffer, freed on close
        return image, scale * 72
    except pdfium.PdfiumError as exc:
        raise ParseError(f"corrupt PDF: {exc}") from exc
    finally:
        document.close()


def _page_lines(document: pdfium.PdfDocument, number: int) -> list[Line]:
    page = document[number - 1]
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        # Positions are looked up by char index, valid only when the text maps 1:1 onto the chars.
        aligned = len(text) == textpage.count_chars()
        lines = []
        blank_before = False
        for match in _LINE.finditer(text):
            raw = match.group()
            stripped = raw.strip()
            if not stripped:
                blank_before = True
                continue
            if aligned:
                first = match.start() + len(raw) - len(raw.lstrip())
                last = match.start() + len(raw.rstrip()) - 1
                lines.append(_positioned(textpage, stripped, number, first, last, blank_before))
            else:
                lines.append(Line(stripped, number, blank_before=blank_before))
            blank_before = text.startswith("\r\n\r\n", match.end()) or text.startswith("\n\n", match.end())
        return lines
    finally:
        textpage.close()
        page.close()


def _positioned(
    textpage: pdfium.PdfTextPage, text: str, number: int, first: int, last: int, blank_before: bool
) -> Line:
    x, y = ctypes.c_double(), ctypes.c_double()
    if not pdfium_c.FPDFText_GetCharOrigin(textpage, first, ctypes.byref(x), ctypes.byref(y)):
        return Line(text, number, blank_before=blank_before)
    size = float(pdfium_c.FPDFText_GetFontSize(textpage, first))
    try:
        right = textpage.get_charbox(last)[2]
    except pdfium.PdfiumError:
        right = x.value
    return Line(text, number, x=x.value, y=y.value, right=right, size=size, blank_before=blank_before)
