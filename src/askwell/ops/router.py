"""/healthz, /readyz and /metrics, at the root (where probes and scrapers look), tagged "ops"."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from askwell.deps import RuntimeDep
from askwell.errors import Forbidden, NotFound, Unauthorized
from askwell.ops import exposition, health

router = APIRouter(tags=["ops"])

_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": 'Not ready: `{"status": "unavailable", "failed": {check: reason}}`'}
}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process is up (no I/O)."""
    return {"status": "ok"}


@router.get("/readyz", responses=_NOT_READY)
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Readiness: the database, Redis, the job queue and the model server answer."""
    report = await health.readiness(settings=runtime.settings, engine=runtime.engine, jobs=runtime.jobs)
    return JSONResponse(report.body(), status_code=200 if report.ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus metrics: for loopback clients, or with the bearer ASKWELL_METRICS_TOKEN."""
    settings = runtime.settings
    if not settings.metrics_enabled:  # a 404 of our own: the web app would answer the path with a page
        raise NotFound("Metrics are turned off (ASKWELL_METRICS_ENABLED=false)")
    authorization = request.headers.get("authorization")
    client = request.client.host if request.client else None
    if not exposition.metrics_allowed(settings, client_host=client, authorization=authorization):
        if settings.metrics_token is not None:
            raise Unauthorized("Send the metrics token: `Authorization: Bearer <ASKWELL_METRICS_TOKEN>`")
        raise Forbidden("Metrics answer loopback clients only; set ASKWELL_METRICS_TOKEN to scrape from afar")
    body, content_type = await anyio.to_thread.run_sync(exposition.render)  # reads files when multiprocess
    return Response(body, media_type=content_type)
