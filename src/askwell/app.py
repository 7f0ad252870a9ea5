"""The FastAPI application factory: routers, the one error mapping, the static web app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from askwell import __version__, background
from askwell.api_schema import install_openapi
from askwell.apikeys.deps import WIDGET_PATHS
from askwell.apikeys.router import router as apikeys_router
from askwell.assistants.router import router as assistants_router
from askwell.auth.router import router as auth_router
from askwell.chat.feedback.router import router as feedback_router
from askwell.chat.router import router as chat_router
from askwell.connectors.kinds import kind_routers
from askwell.connectors.router import router as connectors_router
from askwell.deps import shared_rate_limiter
from askwell.errors import AskwellError, TooManyRequests
from askwell.evaluation.router import router as evaluation_router
from askwell.jobs.router import router as jobs_router
from askwell.llm.router import router as models_router
from askwell.mcp_server.http import McpEndpoint
from askwell.openai_compat import wire as openai_wire
from askwell.openai_compat.router import router as openai_router
from askwell.ops.exposition import process_exiting
from askwell.ops.logs import install_redaction
from askwell.ops.metrics import watch_pool
from askwell.ops.middleware import HttpMetricsMiddleware, RequestIdMiddleware
from askwell.ops.router import router as ops_router
from askwell.redaction import redact_any
from askwell.runtime import Runtime
from askwell.settings import Settings, get_settings
from askwell.web import mount_web_app
from askwell.web.security_headers import SecurityHeadersMiddleware
from askwell.widget.cors import WidgetCorsMiddleware
from askwell.widget.origins import origin_listed
from askwell.widget.router import WIDGET_PATH
from askwell.widget.router import router as widget_router

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None, *, run_migrations: bool = True, warm_up: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    install_redaction()  # before anything logs: no record of this process shows a credential
    mcp = McpEndpoint(
        runtime=lambda: app.state.runtime,
        limiter=lambda: shared_rate_limiter(app.state, settings),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime = await Runtime.start(settings, run_migrations=run_migrations)
        watch_pool(runtime.engine)
        warming = asyncio.ensure_future(runtime.warm()) if warm_up and settings.warm_up else None
        try:
            async with mcp.running():
                yield
        finally:
            if warming is not None:
                warming.cancel()
            await background.drain()
            await runtime.close()
            process_exiting()

    app = FastAPI(
        title="Askwell",
        version=__version__,
        lifespan=lifespan,
        docs_url=f"{API_PREFIX}/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    # The widget's chat from other sites: outside the general CORS, which would refuse them.
    app.add_middleware(WidgetCorsMiddleware, paths=WIDGET_PATHS, origin_listed=origin_listed)
    if settings.metrics_enabled:
        app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        frame_ancestors=settings.frame_ancestors,
        docs_paths=[p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p],
        public_script_paths=[WIDGET_PATH],
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: every log line of a request carries its id
    app.include_router(ops_router)  # /healthz, /readyz and /metrics at the root, for probes and scrapers
    app.include_router(openai_router)  # /v1, where OpenAI's clients look for it
    # /mcp: MCP clients over Streamable HTTP; an ASGI route, as the SDK's transport answers itself.
    # POST only: the server is stateless, so there is no session to end (DELETE) and nothing to
    # push on a standing stream (GET would hold a connection open for ever); the transport's
    # spec lets a server answer both with 405, and the SDK's client asks for neither without a
    # session. Kept out of the OpenAPI schema, which cannot describe it (JSON-RPC over one POST).
    app.router.routes.append(Route("/mcp", endpoint=mcp, methods=["POST"], include_in_schema=False))
    app.include_router(widget_router)  # /widget.js, the script other sites embed
    for router in (
        auth_router,
        assistants_router,
        chat_router,
        feedback_router,
        evaluation_router,
        models_router,
        connectors_router,
        jobs_router,
        apikeys_router,
        *kind_routers(),  # each knowledge kind's own endpoints (uploads, search, connection test)
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    install_openapi(app)  # the chat stream's events join the schema the web types come from
    _install_error_handlers(app)
    mount_web_app(app, settings.web_dir)  # last: it answers what the API routes do not (never /api/*)
    return app


def create_served_app() -> FastAPI:
    """The app as `askwell serve` runs it: migrations already ran once, before the workers."""
    return create_app(run_migrations=False, warm_up=True)


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
# FastAPI's words for a body it cannot decode (JSON that is not UTF-8, say), and ours, which
# say what to send instead.
_FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"
_UNREADABLE_BODY = "The request body cannot be read: send UTF-8 JSON, or a well-formed form, as documented"


def _error(
    request: Request, status: int, detail: Any, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    # Again here, not only where errors are made: a secret may have been remembered since.
    detail = redact_any(detail)
    if openai_wire.is_openai_path(request.url.path):
        return openai_wire.error_response(status, _as_text(detail), code, headers)
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


def _as_text(detail: Any) -> str:
    """One line for OpenAI's `message`: validation problems are listed as `field: message`."""
    if isinstance(detail, list):
        return "; ".join(f"{p['field']}: {p['message']}" for p in detail if isinstance(p, dict))
    return str(detail)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as {"detail", "code"} ({"error": {...}} under /v1, as OpenAI's
    clients expect); nothing leaks a stack trace or a secret."""

    @app.exception_handler(AskwellError)
    async def domain_error(request: Request, exc: AskwellError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return _error(request, exc.status_code, exc.message, exc.code, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(part) for part in err.get("loc", ())),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return _error(request, 422, problems, "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = _UNREADABLE_BODY if exc.detail == _FASTAPI_UNREADABLE_BODY else exc.detail
        return _error(request, exc.status_code, detail, code, getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Two requests raced past a uniqueness pre-check; the loser gets what it would have.
        logger.info("Integrity error mapped to 409: %s", type(exc.orig).__name__)
        return _error(
            request, 409, "This conflicts with existing data (it may have just been created)", "conflict"
        )

    @app.exception_handler(DataError)
    @app.exception_handler(DBAPIError)
    async def data_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # The last line for a value the schema let through but the database cannot store:
        # PostgreSQL refuses a NUL character in text and a value past a column's length
        # (SQLSTATE class 22, "data exception"; asyncpg's come as a bare DBAPIError).
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
        if not isinstance(exc, DataError) and not sqlstate.startswith("22"):
            raise exc  # not about the request's data: the unexpected-error handler answers
        logger.info("Data error mapped to 422: %s %s", type(exc.orig).__name__, sqlstate)
        message = "A value in this request cannot be stored (a NUL character in text, or too long for it)"
        return _error(request, 422, message, "invalid_request")

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(ConnectionError)
    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        logger.error("Database unavailable: %s", type(exc).__name__)
        return _error(request, 503, "The database is unavailable; try again shortly", "database_unavailable")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("Unhandled error")
        return _error(request, 500, "Internal server error", "internal_error")
