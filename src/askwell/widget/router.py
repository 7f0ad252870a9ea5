"""GET /widget.js: the embeddable chat widget, one script built from the web app's sources."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from askwell.deps import SettingsDep
from askwell.errors import NotFound
from askwell.web import WEB_DIST

router = APIRouter(tags=["widget"])

WIDGET_PATH = "/widget.js"


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
