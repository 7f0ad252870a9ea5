"""Two pure ASGI middlewares: the request id, and HTTP latency.

Pure ASGI, not Starlette's BaseHTTPMiddleware, which buffers the app in a way that breaks
streaming responses (the chat stream) and their disconnects.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from askwell.ops import metrics
from askwell.ops.logs import new_request_id, request_context, sane_request_id

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()
# Requests no route took (the web app's files, unknown paths): one label, not one per path.
_NO_ROUTE = "other"


class RequestIdMiddleware:
    """Takes the client's X-Request-ID when it is a sane token (else makes one), runs the
    request under it (see ops.logs) and sends it back as a response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for key, value in scope["headers"] if key == _HEADER_KEY), None)
        request_id = sane_request_id(given.decode("latin-1") if given else None) or new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER_KEY]
                message = {**message, "headers": [*headers, (_HEADER_KEY, request_id.encode())]}
            await send(message)

        with request_context(request_id):
            await self.app(scope, receive, send_with_id)


class HttpMetricsMiddleware:
    """Observes each request's latency by method, route template and status class."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before it answers

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics.observe_http(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    """The matched route's path template, `/api/v1/assistants/{assistant_id}`, for a label.

    The router leaves the route in the scope. Recent FastAPI versions keep an included
    router's routes apart, so `route.path` lacks the router's prefix (`/api/v1`); the prefix
    is then the request path's leading segments, as our prefixes hold no parameters.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if route is None or not isinstance(template, str):
        return _NO_ROUTE
    path: str = scope.get("path", "")
    spanned = sum(str(value).count("/") for value in scope.get("path_params", {}).values())  # {x:path}
    missing = path.count("/") - spanned - template.count("/")
    if missing > 0:
        template = "/".join(path.split("/")[: missing + 1]) + template
    return template
