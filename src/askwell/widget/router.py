"""GET /widget.js: the embeddable chat widget, one script built from the web app's sources."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from askwell.errors import NotFound
from askwell.web import WEB_DIST

router = APIRouter(tags=["widget"])

WIDGET_FILE = "widget.js"


@router.get("/widget.js", response_class=FileResponse, include_in_schema=False)
def widget_script() -> FileResponse:
    """The script other sites embed. Not hashed (its URL is pasted into pages), so it is
    revalidated after a few minutes; any site may load it (Cross-Origin-Resource-Policy)."""
    path: Path = WEB_DIST / WIDGET_FILE
    if not path.is_file():
        raise NotFound("The widget is not built: run `make web`", code="widget_not_built")
    return FileResponse(
        path,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )
