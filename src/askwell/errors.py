"""Typed domain errors. Each carries its HTTP status and a stable code; app.py maps them once.

Their messages reach clients, events and logs: they are scrubbed of credentials when made.
"""

from __future__ import annotations

from askwell.redaction import redact


class AskwellError(Exception):
    """Base of every error the service reports to a client on purpose."""

    status_code = 500
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Invalid(AskwellError):
    status_code = 422
    code = "invalid"


class Unauthorized(AskwellError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AskwellError):
    status_code = 403
    code = "forbidden"


class NotFound(AskwellError):
    status_code = 404
    code = "not_found"


class Conflict(AskwellError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AskwellError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AskwellError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(AskwellError):
    """A rate limit is full; `retry_after_s` is when the caller is let in again (Retry-After)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class Unavailable(AskwellError):
    """A dependency (model server, database, cache) cannot serve the request now."""

    status_code = 503
    code = "unavailable"


class ModelError(Unavailable):
    """The chat model failed or could not be reached."""

    code = "model_error"
