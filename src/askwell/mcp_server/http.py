"""`/mcp`: the MCP tools over Streamable HTTP, behind an API key as a Bearer credential.

Stateless (every POST stands alone, answered as JSON): the app may run several workers
and a tool call needs nothing from an earlier one but its `session` argument. The key is
checked here, before the SDK sees the request, so a missing or bad one is a plain 401;
the tools read the key this check found from the request's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from askwell.apikeys.caller import Caller
from askwell.errors import AskwellError, Unauthorized
from askwell.mcp_server.tools import Wiring, build_server, key_caller
from askwell.ratelimit import RateLimiter

if TYPE_CHECKING:
    from askwell.runtime import Runtime

_STATE = "askwell_mcp_caller"
# JSON-RPC leaves -32000..-32099 to the server; the SDK takes the low end and MCP the codes
# from -32020, none of them for a refused credential: the far end stays clear of both.
_UNAUTHENTICATED = -32099


class McpEndpoint:
    """The ASGI app at /mcp: the key check, then the SDK's Streamable HTTP transport."""

    def __init__(self, runtime: Callable[[], Runtime], limiter: Callable[[], RateLimiter]) -> None:
        self._runtime = runtime
        self.server: MCPServer = build_server(Wiring(runtime=runtime, limiter=limiter, caller=_found_caller))
        # host="0.0.0.0" leaves out the SDK's Host/Origin allow-list for localhost: Askwell
        # serves under its own domain, and a DNS-rebinding page has no API key to send.
        self.server.streamable_http_app(stateless_http=True, json_response=True, host="0.0.0.0")
        self.manager: StreamableHTTPSessionManager = self.server.session_manager

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The SDK's session manager, run for the app's lifetime in a task of its own.

        Its task group must be left by the task that entered it; a lifespan may be entered and
        left by different tasks (test fixtures do), so the manager gets a task that does both.
        """
        started, stop = asyncio.Event(), asyncio.Event()

        async def serve() -> None:
            async with self.manager.run():
                started.set()
                await stop.wait()

        task = asyncio.create_task(serve())
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            waiting.cancel()
            task.result()  # it failed to start: say why
        try:
            yield
        finally:
            stop.set()
            await task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            async with self._runtime().session_factory() as session:
                caller = await key_caller(session, token.strip() if scheme.lower() == "bearer" else None)
        except AskwellError as exc:
            status = 401 if isinstance(exc, Unauthorized) else exc.status_code
            await JSONResponse(_refusal(exc), status_code=status, headers={"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return
        scope.setdefault("state", {})[_STATE] = caller
        await self.manager.handle_request(scope, receive, send)


def _refusal(exc: AskwellError) -> dict[str, object]:
    """Askwell's error body, inside a JSON-RPC error: an MCP client reads a non-2xx answer's
    JSON-RPC error and shows its message, where it would show "Server returned an error
    response" for any other body; plain HTTP clients read `detail` and `code` as elsewhere.
    The request's id is not read (the body is not parsed before the key check), hence null."""
    error = {"code": _UNAUTHENTICATED, "message": f"{exc.message} ({exc.code})", "data": {"code": exc.code}}
    return {"jsonrpc": "2.0", "id": None, "error": error, "detail": exc.message, "code": exc.code}


async def _found_caller(ctx: Context, session: AsyncSession) -> Caller:
    request = ctx.request_context.request
    caller = getattr(getattr(request, "state", None), _STATE, None)
    if not isinstance(caller, Caller):
        raise Unauthorized("Send an Askwell API key as a Bearer credential", code="not_authenticated")
    return caller
