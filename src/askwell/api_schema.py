"""The OpenAPI schema, completed with what FastAPI cannot see: the chat stream's events.

The web app's wire types are generated from this schema (scripts/gen-web-types.sh), so the
events the stream carries must be in it although the endpoint returns a StreamingResponse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

_STREAM_PATH = "/api/v1/chat/stream"
_REF_TEMPLATE = "#/components/schemas/{model}"


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
    union = {key: value for key, value in events.items() if key != "$defs"}
    for name, definition in {**events["$defs"], "ChatEvent": union}.items():
        # A shared model (Source) is already there from a REST endpoint; a different one
        # under the same name would silently retype that endpoint.
        if schemas.setdefault(name, definition) != definition:
            raise RuntimeError(f"OpenAPI schema {name!r} is defined twice, differently: rename one model")
    schema["components"]["schemas"] = dict(sorted(schemas.items()))
    content = schema["paths"][_STREAM_PATH]["post"]["responses"]["200"]["content"]
    for media_type in content:
        content[media_type] = {"schema": {"$ref": _REF_TEMPLATE.format(model="ChatEvent")}}
    return schema
