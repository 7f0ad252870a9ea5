"""One scanned page to layout lines: scaled to what the engine reads well, turned upright, read."""

from __future__ import annotations

from PIL import Image

from askwell.documents.parsing.ocr import OcrEngine
from askwell.documents.parsing.ocr.layout import layout_lines
from askwell.documents.parsing.ocr.upright import read_upright
from askwell.documents.parsing.pdf_layout import Line

# Longest side handed to the engine: an A4 page at about 170 dpi, enough for 8-point text; larger
# scans are only slower to read (bench/ocr.py).
MAX_SIDE = 2000


def read_page(engine: OcrEngine, image: Image.Image, *, page: int, dpi: float) -> list[Line]:
    """The text lines of `image`, a page scanned at `dpi`, positioned in points on `page`."""
    image = _flattened(image)
    scale = min(1.0, MAX_SIDE / max(image.size))
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
