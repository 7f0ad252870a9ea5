"""Scans made in the test: text rendered to page images, turned or soiled, saved as PNG, TIFF, PDF.

Shared by tests/documents/test_ocr.py and bench/ocr.py. Pages are A4 at 200 dpi (1654 x 2339
pixels, 11-point serif body text), the resolution office scanners default to.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 200
PAGE = (1654, 2339)
_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def page_image(
    heading: str,
    paragraphs: list[str],
    *,
    rotate: int = 0,
    noise: float = 0.0,
    seed: int = 0,
    points: float = 11,
) -> Image.Image:
    """A page with a heading and paragraphs in `points`-point body text; `rotate` turns it
    (degrees, counter-clockwise) as a page fed the wrong way, `noise` is the share of pixels
    flipped (speckle), plus blur and skew."""
    pixels = round(points * DPI / 72)
    body = ImageFont.truetype(str(_FONTS / "DejaVuSerif.ttf"), pixels)
    title = ImageFont.truetype(str(_FONTS / "DejaVuSans-Bold.ttf"), 50)
    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    draw.text((160, 180), heading, font=title, fill=0)
    y = 320
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, width=68):
            draw.text((160, y), line, font=body, fill=20)
            y += round(pixels * 1.5)
        y += 40
    if noise:
        image = _soiled(image, noise, seed)
    return image.rotate(rotate, expand=True, fillcolor=255) if rotate else image


def _soiled(image: Image.Image, noise: float, seed: int) -> Image.Image:
    """What a cheap scanner does: a slight skew, a soft focus and speckles of dust."""
    rng = random.Random(seed)
    image = image.rotate(rng.uniform(-1.0, 1.0), resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    pixels = image.load()
    assert pixels is not None
    width, height = image.size
    for _ in range(int(width * height * noise)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = 0 if rng.random() < 0.5 else 255
    return image


def page_text(heading: str, paragraphs: list[str]) -> str:
    """What a perfect reading of page_image() would say."""
    return " ".join([heading, *paragraphs])


def save_png(image: Image.Image, path: Path) -> Path:
    image.save(path, dpi=(DPI, DPI))
    return path


def save_tiff(images: list[Image.Image], path: Path) -> Path:
    images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_lzw", dpi=(DPI, DPI))
    return path


def save_pdf(pages: list[Image.Image | list[str]], path: Path) -> Path:
    """A PDF of scanned pages (images, no text layer) and typed pages (lists of paragraphs)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        if isinstance(page, Image.Image):
            width, height = (A4[0], A4[1]) if page.height >= page.width else (A4[1], A4[0])
            pdf.setPageSize((width, height))
            pdf.drawImage(ImageReader(page), 0, 0, width=width, height=height)
        else:
            pdf.setPageSize(A4)
            text = pdf.beginText(72, A4[1] - 72)
            text.setFont("Helvetica", 11)
            for paragraph in page:
                for line in textwrap.wrap(paragraph, width=90):
                    text.textLine(line)
                text.textLine("")
            pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return path


def character_accuracy(expected: str, read: str) -> float:
    """1 - character error rate: edit distance over the expected length, whitespace normalised."""
    a, b = " ".join(expected.split()), " ".join(read.split())
    if not a:
        return 1.0 if not b else 0.0
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return max(0.0, 1 - previous[-1] / len(a))
