"""Text from pictures of text: a small engine protocol, a registry by name, upright reading.

An engine turns one image into positioned text lines; everything else (which pages need it, how
lines become paragraphs, limits on image size) lives with the parsers, so another engine (Debian's
tesseract, say) is one module with a ``create()`` and one entry in ``_ENGINES``. Engines are
imported on first use: a deployment that never sees a scan never loads the OCR models.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_ENGINE = "rapidocr"

# name -> module with `create() -> OcrEngine`
_ENGINES: dict[str, str] = {
    "rapidocr": "askwell.documents.parsing.ocr.rapid",
}


@dataclass(frozen=True, slots=True)
class TextLine:
    """One recognised line; the box is in the image's pixels, y growing downwards."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    confidence: float  # 0..1, the engine's own score

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def width(self) -> float:
        return self.right - self.left


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> list[TextLine]:
        """The image's text lines in reading order; safe to call from several threads."""
        ...


class _EngineModule(Protocol):
    def create(self) -> OcrEngine: ...


@functools.cache
def get_engine(name: str = DEFAULT_ENGINE) -> OcrEngine:
    """The engine registered as `name`, loaded once per process (models take a while to load)."""
    module_name = _ENGINES.get(name)
    if module_name is None:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(sorted(_ENGINES))}")
    module: _EngineModule = importlib.import_module(module_name)  # type: ignore[assignment]
    return module.create()
