"""`askwell mcp`: the MCP tools over stdio, for desktop clients that start their servers."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from mcp.server.mcpserver import Context
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.apikeys.caller import Caller
from askwell.cli._runner import fail, run
from askwell.mcp_server.tools import Wiring, build_server, key_caller
from askwell.ratelimit import RateLimiter
from askwell.runtime import Runtime


def mcp(
    key: Annotated[
        str | None, typer.Option(help="The API key to act as; default: ASKWELL_API_KEY.", show_default=False)
    ] = None,
) -> None:
    """Serve the MCP tools (assistants, ask, search) over stdin/stdout, acting as an API key.

    It acts as a key and nothing more, never as a local admin: a desktop client reaches the
    assistants and actions the key's scope allows, as over HTTP, and revoking the key stops it.
    """
    key = key or os.environ.get("ASKWELL_API_KEY")
    if not key:
        fail("give an API key: --key or ASKWELL_API_KEY (admins create them under API keys)")

    async def work(runtime: Runtime) -> None:
        async with runtime.session_factory() as session:
            await key_caller(session, key)  # a bad key fails here, before a client connects
        limiter = RateLimiter.from_settings(runtime.settings)

        async def caller(ctx: Context, session: AsyncSession) -> Caller:
            return await key_caller(session, key)

        server = build_server(Wiring(runtime=lambda: runtime, limiter=lambda: limiter, caller=caller))
        try:
            await server.run_stdio_async()
        finally:
            await limiter.aclose()

    run(work)
