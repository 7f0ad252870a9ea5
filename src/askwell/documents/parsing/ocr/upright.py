"""Reading a scan the right way up, whichever way it was fed to the scanner.

The engine's own line classifier only tells upright lines from upside-down ones, line by line, and
misses many (measured in bench/ocr.py: on a page turned 180 degrees most lines come out as
garbage). So the page is read as it is first; when that reading is unsure (low confidence) or its
lines stand on end (boxes taller than wide: a page turned a quarter), the other turns are read
too and the most confident reading wins, weighted by how much text it found. A clean upright page
costs one pass; only doubtful pages pay for up to four.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from askwell.documents.parsing.ocr import OcrEngine, TextLine

if TYPE_CHECKING:
    from PIL import Image

# Below this character-weighted mean confidence a reading is doubted (clean upright text reads at
# 0.95-1.0; a page read upside down scores around 0.6-0.8).
SURE_CONFIDENCE = 0.9


def read_upright(engine: OcrEngine, image: Image.Image) -> tuple[list[TextLine], Image.Image]:
    """The best reading of `image` and the image turned as that reading saw it."""
    lines = engine.read(image)
    if lines and _confidence(lines) >= SURE_CONFIDENCE and not _on_end(lines):
        return lines, image
    best = (lines, image)
    for angle in (90, 270, 180) if _on_end(lines) else (180, 90, 270):
        turned = image.rotate(angle, expand=True)
        candidate = engine.read(turned)
        if _score(candidate) > _score(best[0]):
            best = (candidate, turned)
        if candidate and _confidence(candidate) >= SURE_CONFIDENCE and not _on_end(candidate):
            break
    return best


def _confidence(lines: list[TextLine]) -> float:
    chars = sum(len(line.text) for line in lines)
    return sum(line.confidence * len(line.text) for line in lines) / chars if chars else 0.0


def _on_end(lines: list[TextLine]) -> bool:
    """Most of the text sits in boxes taller than wide: lines running up or down the page."""
    chars = sum(len(line.text) for line in lines)
    standing = sum(len(line.text) for line in lines if line.height > line.width and len(line.text) > 1)
    return chars > 0 and standing > chars / 2


def _score(lines: list[TextLine]) -> float:
    """Confident characters in upright lines: more text read surely beats less."""
    return sum(
        line.confidence**2 * len(line.text)
        for line in lines
        if not (line.height > line.width and len(line.text) > 1)
    )
