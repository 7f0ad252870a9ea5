"""Reading a scan the right way up, whichever way it was fed to the scanner.

The engine's own line classifier only tells upright lines from upside-down ones, line by line, and
misses many (measured in bench/ocr.py: on a page turned 180 degrees most lines come out as
garbage). So the page is read as it is first; when that reading is unsure (low confidence) or its
lines stand on end (boxes taller than wide: a page turned a quarter), the page is read turned
too and the most confident reading wins, weighted by how much text it found. Only the turns the
first reading leaves possible are tried: lines lying flat but unsure, the half turn; lines on
end, the two quarter turns. A clean upright page costs one pass, a page upside down two, a page
sideways two (three when the first quarter turn tried is unsure too).

Which quarter turn to try first is told by the first reading: the engine stands tall line crops
up by turning them a quarter counter-clockwise, so the lines of a page turned clockwise come out
readable (confidence 0.99, lines in reverse order) and those of a page turned counter-clockwise
come out as garbage (0.6 to 0.75). Trying the matching turn first reads a page fed sideways in
two passes either way, where a fixed order took three for one of the two (bench/ocr.py).
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
    # Nothing found: the detector finds text boxes whichever way up they are, so a blank page
    # (or a photo without text) would find nothing turned either.
    if not lines or (_confidence(lines) >= SURE_CONFIDENCE and not _on_end(lines)):
        return lines, image
    best = (lines, image)
    if _on_end(lines):
        turns: tuple[int, ...] = (90, 270) if _confidence(lines) >= SURE_CONFIDENCE else (270, 90)
    else:
        turns = (180,)
    for angle in turns:
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
