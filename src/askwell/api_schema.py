"""The OpenAPI schema, completed with what FastAPI cannot see: the chat stream's events and
the errors every operation may answer with.

The web app's wire types are generated from this schema (scripts/gen-web-types.sh), so the
events the stream carries must be in it although the endpoint returns a StreamingResponse.
Errors all leave through the one handler in app.py as `{"detail", "code"}`, except under the
OpenAI-compatible /v1, where they take OpenAI's shape and a 422 is a 400; FastAPI's own
`HTTPValidationError` describes a body Askwell never sends, so `Error` replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter

_STREAM_PATH = "/api/v1/chat/stream"
_REF_TEMPLATE = "#/components/schemas/{model}"
_ERROR_REF = _REF_TEMPLATE.format(model="Error")
_OPENAI_ERROR_REF = _REF_TEMPLATE.format(model="OpenAIError")
_FASTAPI_VALIDATION_MODELS = ("HTTPValidationError", "ValidationError")


class ValidationProblem(BaseModel):
    """One field of a request that failed validation."""

    field: str
    message: str
    type: str


class Error(BaseModel):
    """Every error response: a message saying how to fix it (or the request's invalid fields)
    and a stable code to branch on."""

    detail: str | list[ValidationProblem]
    code: str


# Which errors an operation can answer with, by what it takes. Any operation may meet a
# missing or bad token, a role or owner that is not enough, an id that does not exist, a
# full rate limit or a database that is down; only one with input can be sent bad input.
_ALWAYS = {
    401: "Not signed in, or the token is invalid or expired",
    403: "Signed in, but not allowed to do this",
    404: "Not found (or not visible to the caller)",
    429: "Rate limited: retry after the Retry-After header's seconds",
    503: "A dependency (database, model server, cache) is unavailable",
}
_WITH_INPUT = {422: "The request's parameters or body are invalid"}
_WITH_BODY = {
    400: "The body cannot be read: malformed JSON, not UTF-8, or a broken form",
    413: "The body is too large",
    415: "The body's media type is not accepted",
}
_WRITING = {409: "Conflicts with existing data"}


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and so /api/v1/openapi.json) describe the chat stream's events.

    The `ChatEvent` union and its members join `components/schemas`, and the stream's 200
    response refers to the union for each media type it is declared with (NDJSON, SSE).
    """
    from askwell.turn.events import ChatEvent

    events = TypeAdapter(ChatEvent).json_schema(mode="serialization", ref_template=_REF_TEMPLATE)
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # FastAPI caches its schema; so do we
            app.openapi_schema = _with_events(generate(), events)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_events(schema: dict[str, Any], events: dict[str, Any]) -> dict[str, Any]:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    _add_errors(schema)
    union = {key: value for key, value in events.items() if key != "$defs"}
    for name, definition in {**events["$defs"], "ChatEvent": union}.items():
        _add_component(schemas, name, definition)
    schema["components"]["schemas"] = dict(sorted(schemas.items()))
    content = schema["paths"][_STREAM_PATH]["post"]["responses"]["200"]["content"]
    for media_type in content:
        content[media_type] = {"schema": {"$ref": _REF_TEMPLATE.format(model="ChatEvent")}}
    return schema


def _add_errors(schema: dict[str, Any]) -> None:
    """Declare `Error` (`OpenAIError` under /v1) for each status an operation can fail with;
    a response an endpoint declares itself (a 503 with a body of its own) is kept."""
    from askwell.openai_compat.schemas import OpenAIError
    from askwell.openai_compat.wire import is_openai_path

    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_MODELS:
        schemas.pop(name, None)
    for model in (Error, OpenAIError):
        errors = TypeAdapter(model).json_schema(ref_template=_REF_TEMPLATE)
        for name, definition in {**errors.pop("$defs", {}), model.__name__: errors}.items():
            _add_component(schemas, name, definition)
    for path, operations in schema.get("paths", {}).items():
        openai = is_openai_path(path)
        content = {"application/json": {"schema": {"$ref": _OPENAI_ERROR_REF if openai else _ERROR_REF}}}
        for method, operation in operations.items():
            statuses = dict(_ALWAYS)
            if operation.get("parameters") or "requestBody" in operation:
                statuses |= _WITH_BODY if openai else _WITH_INPUT  # /v1 answers bad input with 400
            if "requestBody" in operation:
                statuses |= _WITH_BODY
            if method != "get":
                statuses |= _WRITING
            responses = operation.setdefault("responses", {})
            validation = responses.get("422", {})
            if "HTTPValidationError" in str(validation.get("content", "")):
                del responses["422"]
            for status, description in sorted(statuses.items()):
                responses.setdefault(str(status), {"description": description, "content": content})
            if any(_REF_TEMPLATE.format(model=name) in str(operation) for name in _FASTAPI_VALIDATION_MODELS):
                raise RuntimeError(f"{method.upper()} {path} still refers to FastAPI's validation models")


def _add_component(schemas: dict[str, Any], name: str, definition: dict[str, Any]) -> None:
    # A shared model (Source) is already there from a REST endpoint; a different one under
    # the same name would silently retype that endpoint.
    if schemas.setdefault(name, definition) != definition:
        raise RuntimeError(f"OpenAPI schema {name!r} is defined twice, differently: rename one model")
