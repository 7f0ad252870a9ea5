"""What the SQL code shows of a connection URL or a driver's message: both through
`askwell.redaction`, the one place credentials are scrubbed from text."""

from __future__ import annotations

from askwell.redaction import mask_url, redact, remember_url

__all__ = ["driver_message", "mask_url"]

_MAX_MESSAGE = 1000


def driver_message(exc: BaseException, url: str) -> str:
    """The driver's message (of `exc.orig` when SQLAlchemy wrapped it), first lines only, with
    the URL's credentials (wherever the URL held them) replaced by `***`."""
    remember_url(url)
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    lines = [line for line in text.splitlines() if line.strip()][:3]
    return redact(" ".join(line.strip() for line in lines))[:_MAX_MESSAGE]
