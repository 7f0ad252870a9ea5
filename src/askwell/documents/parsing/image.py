"""Scans and photos of text (PNG, JPEG, TIFF) through OCR: one page per image, or per TIFF frame.

Pillow reads the header first and decodes nothing until the size is known to be within
ParseLimits, so a tiny file that declares a gigapixel image fails with a reason instead of taking
the worker's memory. A JPEG's EXIF orientation is applied before reading, as a viewer would.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from askwell.documents.parsing.base import EMPTY_FILE, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.ocr import get_engine
from askwell.documents.parsing.ocr.page import read_page
from askwell.documents.parsing.pdf_layout import Line, blocks_from_lines

NO_TEXT = "no text found in the image (OCR read nothing)"
OCR_OFF = "images are read by OCR, which is turned off here (ASKWELL_OCR_ENGINE=none)"


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    if path.stat().st_size == 0:
        raise ParseError(EMPTY_FILE)
    if limits.ocr_engine is None:
        raise ParseError(OCR_OFF)
    engine = get_engine(limits.ocr_engine)
    lines: list[Line] = []
    pages = 0
    try:
        # Our own pixel limit is checked below; Pillow's bomb check stays on above twice its own.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > limits.max_pages:
                    raise ParseError(f"image has {frames} pages, more than the limit of {limits.max_pages}")
                for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                    _check_size(frame, limits)
                    shown = ImageOps.exif_transpose(frame)  # a copy: the next frame reuses `frame`
                    lines.extend(read_page(engine, shown, page=number, dpi=_dpi(frame)))
                    pages = number
    except Image.DecompressionBombError as exc:
        raise ParseError(f"image too large: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise ParseError("corrupt image: not a PNG, JPEG or TIFF file Pillow can read") from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or damaged data, bad headers
        raise ParseError(f"corrupt image: {exc}") from exc
    blocks = blocks_from_lines(lines)
    if not blocks:
        raise ParseError(NO_TEXT)
    return ParsedDocument(blocks=blocks, pages=pages)


def _check_size(frame: Image.Image, limits: ParseLimits) -> None:
    width, height = frame.size
    if width * height > limits.max_image_pixels:
        raise ParseError(
            f"image too large: {width}x{height} pixels, more than the limit of "
            f"{limits.max_image_pixels // 1_000_000} megapixels"
        )


def _dpi(frame: Image.Image) -> float:
    """The scan's resolution where the file states a believable one, else the usual 200 dpi."""
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 2400 else 200.0
