"""One scanned page to layout lines: scaled to what the engine reads well, turned upright, read."""

from __future__ import annotations

from PIL import Image

from askwell.documents.parsing.ocr import OcrEngine
from askwell.documents.parsing.ocr.layout import layout_lines
from askwell.documents.parsing.ocr.upright import read_upright
from askwell.documents.parsing.pdf_layout import Line

# Longest side handed to the engine: an A4 page at about 140 dpi. Measured in bench/ocr.py on 200
# dpi scans (RESULTS.md, "ocr"): 1200 to 1600 px read every test page right, 2000 px lost a
# one-word line ("inspection.") on a speckled page and joined two heading words, full size (2339)
# read right but took twice as long as 1600. 1600 leaves a margin above 1200 for smaller print.
MAX_SIDE = 1600


def read_page(
    engine: OcrEngine, image: Image.Image, *, page: int, dpi: float, max_side: int = MAX_SIDE
) -> list[Line]:
    """The text lines of `image`, a page scanned at `dpi`, positioned in points on `page`."""
    image = _flattened(image)
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    lines, seen = read_upright(engine, image)
    return layout_lines(lines, page=page, image_height=seen.height, points_per_pixel=72 / dpi / scale)


def _flattened(image: Image.Image) -> Image.Image:
    """Grey or RGB on white: palette, 1-bit fax, CMYK and 16-bit scans converted, alpha on paper."""
    if image.mode in ("L", "RGB"):
        return image
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return image.convert("L" if image.mode in ("1", "I;16", "I", "F") else "RGB")
