"""The built web app (web/dist), served at `/` with a single-page-app fallback.

Deep links such as `/admin/users` or `/chat/<assistant>/<session>` get `index.html`, so a
reload works; the app's own router takes it from there. Paths under `/api` are never
answered with the app: an unknown API path is a JSON 404 (or 405 when the path exists with
another method), like every other API error.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"

# Hashed bundle files never change under the same name; everything else is revalidated.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class _AppFiles(StaticFiles):
    """Static files; a path that names no file and has no extension gets index.html."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise  # a missing /assets/x.js must stay a 404, not become HTML
            response = await super().get_response("index.html", scope)
        immutable = path.startswith("assets/") and response.status_code in (200, 304)
        response.headers["Cache-Control"] = _IMMUTABLE if immutable else _REVALIDATE
        return response


# Machine endpoints: a miss there is a 404 or 405 for the client, never the web app's page.
API_PREFIXES = ("/api", "/v1", "/mcp")


class WebApp:
    """ASGI app mounted at `/`, after the API routes: the web app, never for API_PREFIXES."""

    def __init__(self, directory: Path, routes: list[BaseRoute]) -> None:
        self._files = _AppFiles(directory=directory, html=True)
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and any(path == p or path.startswith(p + "/") for p in API_PREFIXES):
            raise self._api_miss(scope)
        await self._files(scope, receive, send)

    def _api_miss(self, scope: Scope) -> HTTPException:
        """404, or 405 with `Allow` when an API route has this path for other methods."""
        allowed = {
            method
            for method in _METHODS
            for route in self._routes
            if getattr(route, "app", None) is not self
            and route.matches({**scope, "method": method})[0] is Match.FULL
        }
        if allowed:
            return HTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
        return HTTPException(404)


def mount_web_app(app: FastAPI, directory: Path | None = None) -> bool:
    """Serve the built web app at `/` when it exists; returns whether it was mounted.

    Call it after every API router is included: the mount answers whatever they do not.
    """
    directory = directory or WEB_DIST
    if not (directory / "index.html").is_file():
        return False
    app.mount("/", WebApp(directory, app.router.routes), name="web")
    return True
