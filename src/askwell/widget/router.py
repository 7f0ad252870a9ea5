"""The widget's public endpoints: its script (GET /widget.js) and the question a refused
page's widget asks to explain itself (GET /api/v1/widget/origin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import FileResponse, JSONResponse

from askwell.apikeys import service
from askwell.deps import SessionDep, SettingsDep
from askwell.errors import NotFound
from askwell.web import WEB_DIST

router = APIRouter(tags=["widget"])

WIDGET_PATH = "/widget.js"
ORIGIN_CHECK_PATH = "/api/v1/widget/origin"


@router.get(WIDGET_PATH, response_class=FileResponse, include_in_schema=False)
def widget_script(settings: SettingsDep) -> FileResponse:
    """The script other sites embed. Not hashed (its URL is pasted into pages), so it is
    revalidated after a few minutes. Its security headers are a script's, not a page's
    (askwell.web.security_headers); any page may also read it, for Subresource Integrity."""
    path = (settings.web_dir or WEB_DIST) / "widget.js"
    if not path.is_file():
        raise NotFound("The widget is not built: run `make web`", code="widget_not_built")
    return FileResponse(
        path,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.get(ORIGIN_CHECK_PATH, include_in_schema=False)
async def widget_origin(session: SessionDep, origin: Annotated[str | None, Header()] = None) -> JSONResponse:
    """Whether a widget key lists the calling page's origin. A refused CORS preflight leaves
    the widget a bare network error; this simple GET (no preflight) is readable from any
    page, so the widget can tell "this site is not allowed" from "the server is down". It
    says no more than the preflight's own 204 or 403 already does."""
    allowed = bool(origin) and await service.origin_has_widget(session=session, origin=origin or "")
    return JSONResponse(
        {"origin": origin, "allowed": allowed},
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )
