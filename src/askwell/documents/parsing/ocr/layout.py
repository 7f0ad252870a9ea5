"""OCR lines to the positioned lines pdf_layout.py turns into paragraphs.

Boxes become points (1/72 inch, y growing upwards) like a PDF's text layer, so scanned and text
pages of one PDF are laid out alike. Every OCR line gets one body size, so a scanned page gives
paragraphs and no headings. Measured in bench/ocr.py, a box's height says too little about the
font: it varies with the letters in it and with blur and speckle, so that on a speckled page body
lines of one font came out 34 to 50 px high and the 1.6x larger heading only 55 px (RESULTS.md,
"ocr"). A heading told by height was right on clean pages and wrong on soiled ones; plain
paragraphs are always right (the heading's words stay in the text, and searchable).
"""

from __future__ import annotations

from askwell.documents.parsing.ocr import TextLine
from askwell.documents.parsing.pdf_layout import Line

BODY_POINTS = 10.0


def layout_lines(
    lines: list[TextLine], *, page: int, image_height: float, points_per_pixel: float
) -> list[Line]:
    """The page's lines, in the engine's reading order, as pdf_layout lines in points."""
    return [
        Line(
            line.text,
            page,
            x=line.left * points_per_pixel,
            y=(image_height - line.bottom) * points_per_pixel,
            right=line.right * points_per_pixel,
            size=BODY_POINTS,
        )
        for line in lines
    ]
