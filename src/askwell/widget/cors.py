"""CORS for the embeddable widget, on the chat stream only.

A preflight carries no credentials, so it cannot tell which key will follow: it is
answered for any origin, and grants nothing by itself. What holds the line is the actual
request: the key's allowed_origins are checked against its Origin header on the server
(askwell.apikeys.deps), and the response names the origin (Access-Control-Allow-Origin)
only when a widget key was presented from it, so no other caller's answer becomes readable
cross-origin. A refusal names it too, so the widget can tell the visitor why. Credentials
(cookies) are never allowed.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ALLOW_METHODS = b"POST, OPTIONS"
_ALLOW_HEADERS = b"authorization, content-type, accept"
_EXPOSE_HEADERS = b"retry-after, x-request-id"
_MAX_AGE = b"600"


class WidgetCorsMiddleware:
    def __init__(self, app: ASGIApp, *, paths: Collection[str]) -> None:
        self.app = app
        self._paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self._paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(origin, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                named = scope.get("state", {}).get("widget_origin")
                if named and named == origin:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"access-control-allow-origin", named.encode("latin-1")),
                        (b"access-control-expose-headers", _EXPOSE_HEADERS),
                        (b"vary", b"Origin"),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    async def _preflight(origin: str, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-methods", _ALLOW_METHODS),
                    (b"access-control-allow-headers", _ALLOW_HEADERS),
                    (b"access-control-max-age", _MAX_AGE),
                    (b"vary", b"Origin"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
