"""OCR lines to the positioned lines pdf_layout.py turns into paragraphs and headings.

Boxes become points (1/72 inch, y growing upwards) like a PDF's text layer, so scanned and text
pages of one PDF are laid out alike. A box's height varies with the letters in it (ascenders,
descenders), while pdf_layout starts a new paragraph at any change of font size: heights within a
band around the page's usual line height are set to one body size, and only clearly taller lines
keep a size of their own (in half steps), which is what makes them headings.
"""

from __future__ import annotations

import statistics

from askwell.documents.parsing.ocr import TextLine
from askwell.documents.parsing.pdf_layout import Line

# A detection box is a little taller than the font's size; this brings it near the size in points.
_BOX_TO_FONT = 0.75
_SAME_SIZE_BAND = 1.3  # up to 30 % taller than the usual line is still body text


def layout_lines(lines: list[TextLine], *, page: int, image_height: float, points_per_pixel: float) -> list[Line]:
    """The page's lines, in the engine's reading order, as pdf_layout lines in points."""
    if not lines:
        return []
    usual = statistics.median(line.height for line in lines)
    body = usual * points_per_pixel * _BOX_TO_FONT
    result = []
    for line in lines:  # the engine's reading order

        ratio = line.height / usual if usual else 1.0
        size = body if ratio < _SAME_SIZE_BAND else body * round(ratio * 2) / 2
        result.append(
            Line(
                line.text,
                page,
                x=line.left * points_per_pixel,
                y=(image_height - line.bottom) * points_per_pixel,
                right=line.right * points_per_pixel,
                size=round(size * 2) / 2,
            )
        )
    return result
