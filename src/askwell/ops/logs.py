"""Logging in one place: text or JSON lines, each carrying the request id it was written for.

The request id lives in a contextvar: the HTTP middleware sets it for a request, and
`request_context` sets it for work done on a request's behalf later (a job an upload
asked for). Tasks started during a request inherit it, as asyncio copies the context.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from askwell.settings import Settings

_REQUEST_ID: ContextVar[str | None] = ContextVar("askwell_request_id", default=None)
# What a client may send as X-Request-ID: a token, not a place to smuggle text into logs.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# The attributes every LogRecord has; anything else on a record came in through `extra=`.
# uvicorn adds `color_message` (its message with terminal colours) to its own records.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
    "request_tag",
}
_UVICORN_ACCESS = ("client", "method", "path", "http_version", "status")


def current_request_id() -> str | None:
    """The id of the request (or the job run for one) this code runs for, if any."""
    return _REQUEST_ID.get()


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Log everything inside the block under `request_id` (None: no request)."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """`value` when it is a plausible id (a token of at most 128 characters), else None."""
    return value if value is not None and _SANE_ID.fullmatch(value) else None


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (as `request_id`, None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [req=id]: message`; the tag only when there is a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [req={request_id}]" if request_id else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and the `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            line.update(zip(_UVICORN_ACCESS, record.args, strict=True))
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(settings: Settings) -> dict[str, Any]:
    """The `logging.config.dictConfig` of a process: `askwell serve` and each uvicorn worker.

    uvicorn's own loggers (its errors, and the access log) lose their handlers and go through
    the root handler, so they get the same format and the request id.
    """
    level = settings.log_level.upper()
    formatter = "JsonFormatter" if settings.log_format == "json" else "TextFormatter"
    uvicorn = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"default": {"()": f"{__name__}.{formatter}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {name: dict(uvicorn) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(settings: Settings) -> dict[str, Any]:
    """Configure this process's logging; returns the config, for uvicorn to apply in its workers."""
    config = logging_config(settings)
    logging.config.dictConfig(config)
    return config
