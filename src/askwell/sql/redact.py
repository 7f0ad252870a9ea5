"""Connection URLs carry passwords: what the SQL code shows of a URL or a driver's message."""

from __future__ import annotations

import contextlib

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_MAX_MESSAGE = 1000
_MIN_SCRUBBED = 3  # a shorter password would blank ordinary words of the message


def mask_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def driver_message(exc: BaseException, url: str) -> str:
    """The driver's message (of `exc.orig` when SQLAlchemy wrapped it), first lines only, with
    the URL's password replaced by `***`."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    lines = [line for line in text.splitlines() if line.strip()][:3]
    text = " ".join(line.strip() for line in lines)
    with contextlib.suppress(ArgumentError):
        password = make_url(url).password
        if password and len(str(password)) >= _MIN_SCRUBBED:
            text = text.replace(str(password), "***")
    return text[:_MAX_MESSAGE]
