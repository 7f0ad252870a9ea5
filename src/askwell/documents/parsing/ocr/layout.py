"""OCR lines to the positioned lines pdf_layout.py turns into paragraphs and headings.

Boxes become points (1/72 inch, y growing upwards) like a PDF's text layer, so scanned and text
pages of one PDF are laid out alike. A box's height varies with the letters in it (ascenders,
descenders), while pdf_layout starts a new paragraph at any change of font size: heights within a
band around the page's usual line height are set to one body size, and only clearly taller lines
keep a size of their own (in half steps), which is what makes them headings. The body size is the
same on every scanned page (blur and speckle make boxes taller on some): a page's own estimate
made its body text look like headings next to a cleaner page.
"""

from __future__ import annotations

from askwell.documents.parsing.ocr import TextLine
from askwell.documents.parsing.pdf_layout import Line

_BODY_POINTS = 10.0
_SAME_SIZE_BAND = 1.12  # body boxes hold descenders too, so a heading box is only ~1.2x taller


def layout_lines(
    lines: list[TextLine], *, page: int, image_height: float, points_per_pixel: float
) -> list[Line]:
    """The page's lines, in the engine's reading order, as pdf_layout lines in points."""
    if not lines:
        return []
    usual = _usual_height(lines)
    body = _BODY_POINTS
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


def _usual_height(lines: list[TextLine]) -> float:
    """The height of the line holding the median character: long body lines, which carry both
    ascenders and descenders, outvote short ones (a heading, a last word) on sparse pages."""
    by_height = sorted(lines, key=lambda line: line.height)
    half = sum(len(line.text) for line in lines) / 2
    seen = 0
    for line in by_height:
        seen += len(line.text)
        if seen >= half:
            return line.height
    return by_height[-1].height
