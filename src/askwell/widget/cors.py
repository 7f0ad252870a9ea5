"""CORS for the embeddable widget, on the chat stream only, for the listed origins only.

A preflight carries no key, so it is answered on what can be known without one: whether a
widget key that is valid now lists the page's origin. Any other origin gets a 403 without
CORS headers, and the browser never sends the chat request. The actual request is checked
again against its own key's list (askwell.apikeys.deps): its response names the origin
(Access-Control-Allow-Origin) only when that key lists it, so neither a user's nor a server
key's answer, nor another site's refusal, becomes readable cross-origin. Credentials
(cookies) are never allowed.

This runs outside the app's general CORSMiddleware (ASKWELL_CORS_ORIGINS), which would
answer every other origin's preflight with a 400 of its own.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Whether a widget key lists this origin (scope first: it holds the app and its runtime).
OriginCheck = Callable[[Scope, str], Awaitable[bool]]

_ALLOW_METHODS = b"POST, OPTIONS"
_ALLOW_HEADERS = b"authorization, content-type, accept"
_EXPOSE_HEADERS = b"retry-after, x-request-id"
_MAX_AGE = b"600"
_VARY = (b"vary", b"Origin")


class WidgetCorsMiddleware:
    def __init__(self, app: ASGIApp, *, paths: Collection[str], origin_listed: OriginCheck) -> None:
        self.app = app
        self._paths = frozenset(paths)
        self._origin_listed = origin_listed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self._paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(scope, origin, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [_VARY]  # the answer depends on Origin: caches must keep them apart
                allowed = scope.get("state", {}).get("widget_origin")
                if allowed and allowed == origin:
                    extra += [
                        (b"access-control-allow-origin", allowed.encode("latin-1")),
                        (b"access-control-expose-headers", _EXPOSE_HEADERS),
                    ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: Scope, origin: str, send: Send) -> None:
        if await self._origin_listed(scope, origin):
            status, body = 204, b""
            headers = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", _ALLOW_METHODS),
                (b"access-control-allow-headers", _ALLOW_HEADERS),
                (b"access-control-max-age", _MAX_AGE),
                _VARY,
            ]
        else:
            status = 403
            body = json.dumps(
                {
                    "detail": f"No widget key is allowed on {origin}: an admin can add it to a widget "
                    "key's allowed_origins",
                    "code": "widget_origin_forbidden",
                }
            ).encode()
            headers = [(b"content-type", b"application/json"), _VARY]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
