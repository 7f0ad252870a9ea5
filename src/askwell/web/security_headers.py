"""Security headers on every response: what the browser may load, run and frame.

The web app is built without inline script (Vite emits one module script tag pointing at
a file), so its Content-Security-Policy allows scripts from Askwell's own origin only: an
answer that smuggled HTML past the renderer still could not run code. Inline *styles* are
allowed because the chart library injects its stylesheet at run time; styles cannot run
code. Framing is refused (clickjacking) unless the admin lists the origins of the pages
that embed Askwell (ASKWELL_FRAME_ANCESTORS, for the chat widget).

The interactive API docs load their script from a public CDN and start it inline, which
this policy would block: they get the framing rule only.

The embeddable widget's script (/widget.js) is loaded by other sites' pages: it gets
Cross-Origin-Resource-Policy: cross-origin (so a page isolated with COEP may still load it)
and none of a page's headers (a CSP or frame rule on a script response governs nothing,
and would only mislead). What the embedding page runs is its own CSP's call: it must allow
Askwell's origin in script-src and connect-src.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_APP_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)


def content_security_policy(frame_ancestors: Sequence[str], *, docs: bool = False) -> str:
    framing = "frame-ancestors " + (" ".join(frame_ancestors) if frame_ancestors else "'none'")
    return "; ".join((framing,) if docs else (*_APP_POLICY, framing))


class SecurityHeadersMiddleware:
    """Adds the headers to each HTTP response start (pure ASGI: streams stay streams)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        frame_ancestors: Sequence[str],
        docs_paths: Sequence[str],
        public_script_paths: Sequence[str] = (),
    ) -> None:
        self.app = app
        self._docs_paths = tuple(docs_paths)
        self._public_script_paths = frozenset(public_script_paths)
        for_any = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        common = [
            *for_any,
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if not frame_ancestors:  # the old header cannot list origins: only when none may frame
            common.append((b"x-frame-options", b"DENY"))
        csp = b"content-security-policy"
        self._app_headers = [*common, (csp, content_security_policy(frame_ancestors).encode())]
        self._docs_headers = [*common, (csp, content_security_policy(frame_ancestors, docs=True).encode())]
        self._script_headers = [*for_any, (b"cross-origin-resource-policy", b"cross-origin")]
        self._names = {name for name, _ in (*self._app_headers, *self._script_headers)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in self._public_script_paths:
            added = self._script_headers
        elif path.startswith(self._docs_paths):
            added = self._docs_headers
        else:
            added = self._app_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self._names]
                message = {**message, "headers": [*kept, *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
