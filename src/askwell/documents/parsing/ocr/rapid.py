"""RapidOCR: PaddleOCR's PP-OCR models as ONNX on onnxruntime, CPU only, models inside the wheel.

Chosen because it needs no network at run time (detection, line-angle and recognition models ship
in the ``rapidocr`` wheel, Apache-2.0 like its code), runs on the onnxruntime Askwell already has,
and reads a printed A4 page in 2 to 3 s on two busy cores (bench/ocr.py, RESULTS.md "ocr").
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rapidocr import RapidOCR
from rapidocr.utils.output import RapidOCROutput

from askwell.documents.parsing.ocr import TextLine

if TYPE_CHECKING:
    from PIL import Image

# RapidOCR scales an image down to this longest side before detection (its default is 2000). The
# parsers choose the size they hand over (ocr/page.py), so the engine's own limit is set out of
# their way and nothing is scaled twice.
MAX_SIDE = 10_000


class RapidOcrEngine:
    def __init__(self) -> None:
        self._ocr = RapidOCR(
            params={"Global.log_level": "error", "Global.max_side_len": MAX_SIDE, "Global.use_cls": False}
        )
        # One call at a time: the pipeline object keeps per-call state, and onnxruntime already
        # spreads one call over every core, so parallel calls would only compete for them.
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[TextLine]:
        with self._lock:
            result = self._ocr(image.convert("RGB"))
        if not isinstance(result, RapidOCROutput):  # detection or recognition turned off
            raise TypeError(f"RapidOCR gave {type(result).__name__}, not a full reading")
        if result.boxes is None or result.txts is None or result.scores is None:
            return []
        lines = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            if not text.strip():
                continue
            xs = [float(point[0]) for point in box]
            ys = [float(point[1]) for point in box]
            lines.append(TextLine(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score)))
        return lines


def create() -> RapidOcrEngine:
    return RapidOcrEngine()
