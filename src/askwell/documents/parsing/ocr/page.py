"""One scanned page to layout lines: despeckled, scaled to what the engine reads well, turned
upright, read."""

from __future__ import annotations

from PIL import Image, ImageFilter

from askwell.documents.parsing.ocr import OcrEngine
from askwell.documents.parsing.ocr.layout import layout_lines
from askwell.documents.parsing.ocr.upright import read_upright
from askwell.documents.parsing.pdf_layout import Line

# Longest side handed to the engine: an A4 page at about 140 dpi. Measured in bench/ocr.py on 200
# dpi scans of 11- and 8-point text (RESULTS.md, "ocr"): with the despeckling below, 1200 and
# 1600 px read every page right, 1600 taking 1.3x the time of 1200 and 2000 up to 1.6x;
# 1600 is kept for the margin it leaves on print smaller or fainter than the test pages'.
MAX_SIDE = 1600
# Speckle (dust, toner dots) is removed by a 3x3 median before the shrink: shrunk, dots turn into
# grey haze that hid every body line of a speckled 8-point page from the detector (and one short
# line of an 11-point page at 2000 px). Below this resolution a stroke is only 1 or 2 pixels wide
# and a median would erase it along with the dots.
DESPECKLE_MIN_DPI = 150


def read_page(
    engine: OcrEngine, image: Image.Image, *, page: int, dpi: float, max_side: int = MAX_SIDE
) -> list[Line]:
    """The text lines of `image`, a page scanned at `dpi`, positioned in points on `page`."""
    image = _flattened(image)
    if dpi >= DESPECKLE_MIN_DPI:
        image = image.filter(ImageFilter.MedianFilter(3))
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
