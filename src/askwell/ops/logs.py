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
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from askwell.redaction import redact, redact_any
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
    "request_id",
    "_askwell_redacted",
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


class RedactingFilter(logging.Filter):
    """Scrubs credentials from a record's message, arguments and exception text (see
    `askwell.redaction`); the record factory does the same for every record, this filter
    covers a record made before `install_redaction` ran."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    """Scrub credentials from `record` in place: the merged message (arguments are merged
    into it only when they held one, so structured arguments survive), the exception text
    and string `extra=` fields."""
    if getattr(record, "_askwell_redacted", False):
        return
    record._askwell_redacted = True
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a bad format string: logging reports it later, as ever
        message = None
    if message is not None:
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    for key, value in list(vars(record).items()):
        if key not in _STANDARD and isinstance(value, str | dict | list | tuple):
            setattr(record, key, redact_any(value))


_installed = threading.Lock()
_base_factory: Callable[..., logging.LogRecord] | None = None


def install_redaction() -> None:
    """Make every log record of this process scrubbed of credentials when it is created, so
    every handler (and pytest's capture) sees the clean one. Idempotent."""
    global _base_factory
    with _installed:
        if _base_factory is not None:
            return
        base = _base_factory = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = base(*args, **kwargs)
            redact_record(record)
            return record

        logging.setLogRecordFactory(factory)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [req=id]: message`; the tag only when there is a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [req={request_id}]" if request_id else ""
        redact_record(record)
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and the `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        redact_record(record)
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
        if record.exc_text:  # redact_record formatted and scrubbed it
            line["exception"] = record.exc_text
        elif record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(redact_any(line), default=str, ensure_ascii=False)


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
        "filters": {
            "request_id": {"()": f"{__name__}.RequestIdFilter"},
            "redact": {"()": f"{__name__}.RedactingFilter"},
        },
        "formatters": {"default": {"()": f"{__name__}.{formatter}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {name: dict(uvicorn) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure(settings: Settings) -> dict[str, Any]:
    """Configure this process's logging; returns the config, for uvicorn to apply in its workers."""
    install_redaction()
    config = logging_config(settings)
    logging.config.dictConfig(config)
    return config
