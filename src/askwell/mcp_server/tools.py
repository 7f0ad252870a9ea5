"""The MCP tools: `assistants`, `ask` and `search`, the same on every transport.

One fixed set of tools taking an `assistant` argument, not tools named per assistant: clients
read the tool list once per connection and few follow change notifications, so a fixed set
stays right when an admin adds an assistant or rescopes a key; `assistants` lists the choices.
Each call authenticates its credential again, so a revoked key stops at its next call.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell import __version__
from askwell.apikeys import service as apikey_service
from askwell.apikeys.caller import Caller
from askwell.apikeys.schemas import KeyAction
from askwell.assistants.models import Assistant
from askwell.assistants.schemas import RetrievalSettings
from askwell.auth.security import API_KEY_MARK
from askwell.chat.start import start_turn
from askwell.documents.retrieval.schemas import SearchMode
from askwell.documents.retrieval.service import filter_for
from askwell.errors import AskwellError, NotFound, Unauthorized
from askwell.mcp_server.schemas import Answer, AssistantCard, AssistantList, Passages
from askwell.openai_compat.catalog import slug_of
from askwell.ratelimit import Limit, RateLimiter
from askwell.turn.gathered import GatheredAnswer

if TYPE_CHECKING:
    from askwell.runtime import Runtime

_ACTIONS = {KeyAction.CHAT: "ask", KeyAction.SEARCH: "search"}


@dataclass(frozen=True, slots=True)
class Wiring:
    """Where a tool call finds the runtime, the limiter and its caller (an API key)."""

    runtime: Callable[[], Runtime]
    limiter: Callable[[], RateLimiter]
    caller: Callable[[Context, AsyncSession], Awaitable[Caller]]


def build_server(wiring: Wiring) -> MCPServer:
    server = MCPServer(
        name="askwell",
        title="Askwell",
        version=__version__,
        instructions=(
            "Askwell answers from an organisation's documents and databases. Call `assistants` "
            "to see which assistants you may use, then `ask` one a question (its answer cites "
            "[n] sources) or `search` its documents for passages."
        ),
    )

    @server.tool(name="assistants", title="List assistants")
    async def assistants(ctx: Context) -> AssistantList:
        """The assistants this API key may use, with what it may do with each."""
        async with _call(wiring, ctx) as (session, caller):
            found = await _scoped(session, caller)
            assert caller.key is not None
            actions = [name for action, name in _ACTIONS.items() if action.value in caller.key.actions]
            return AssistantList(
                assistants=[
                    AssistantCard(id=a.id, name=a.name, description=a.description, actions=actions)
                    for a in found
                ]
            )

    @server.tool(name="ask", title="Ask an assistant")
    async def ask(
        assistant: Annotated[str, Field(description="The assistant's id or name, from `assistants`.")],
        question: Annotated[str, Field(min_length=1, max_length=8000)],
        ctx: Context,
        session: Annotated[
            str | None, Field(description="A previous answer's `session`, to ask a follow-up.")
        ] = None,
    ) -> Answer:
        """Ask an assistant a question: the answer with its sources (file, page, passage) and,
        for a question about data, the SQL it ran, the result table and a chart spec."""
        async with _call(wiring, ctx, hit=Limit.API_KEY) as (db, caller):
            target = await _resolve(db, caller, assistant, KeyAction.CHAT)
            session_id = session or f"mcp-{uuid.uuid4().hex}"
            runtime = wiring.runtime()
            events = await start_turn(
                session=db,
                runtime=runtime,
                limiter=wiring.limiter(),
                caller=caller,
                assistant_id=target.id,
                session_id=session_id,
                message=question,
                language=None,
                history=None,
            )
            gathered = GatheredAnswer()
            async for event in events:
                gathered.add(event)
            if gathered.error is not None:
                raise ToolError(f"{gathered.error.message} ({gathered.error.code})")
            return Answer(
                answer=gathered.answer, session=session_id, message_id=gathered.message_id, **gathered.extras
            )

    @server.tool(name="search", title="Search an assistant's documents")
    async def search(
        assistant: Annotated[str, Field(description="The assistant's id or name, from `assistants`.")],
        query: Annotated[str, Field(min_length=1, max_length=2000)],
        ctx: Context,
        top_k: Annotated[int, Field(ge=1, le=100)] = 10,
        mode: SearchMode = "hybrid",
    ) -> Passages:
        """The passages of the assistant's documents that best match the query, best first."""
        async with _call(wiring, ctx, hit=Limit.API_KEY) as (db, caller):
            target = await _resolve(db, caller, assistant, KeyAction.SEARCH)
            retrieval = RetrievalSettings.of(target.retrieval)
            results = await wiring.runtime().retriever.search(
                db,
                where=filter_for(target.id),
                query=query,
                top_k=top_k,
                mode=mode,
                **retrieval.search_options(),
            )
            return Passages(results=results)

    return server


@asynccontextmanager
async def _call(
    wiring: Wiring, ctx: Context, *, hit: Limit | None = None
) -> AsyncIterator[tuple[AsyncSession, Caller]]:
    """A database session and the caller; Askwell's typed errors become tool errors."""
    try:
        async with wiring.runtime().session_factory() as session:
            caller = await wiring.caller(ctx, session)
            if hit is not None and caller.key is not None:
                await wiring.limiter().hit(hit, str(caller.key.id))
            yield session, caller
    except AskwellError as exc:
        raise ToolError(f"{exc.message} ({exc.code})") from None


async def key_caller(session: AsyncSession, token: str | None) -> Caller:
    """The caller a credential names: an API key valid now (a 401 otherwise, counted as a use)."""
    if not token or not token.startswith(API_KEY_MARK):
        raise Unauthorized("Send an Askwell API key as a Bearer credential", code="not_authenticated")
    return Caller(key=await apikey_service.authenticate(session=session, key=token))


async def _scoped(session: AsyncSession, caller: Caller) -> list[Assistant]:
    assert caller.key is not None
    query = select(Assistant).where(Assistant.id.in_(caller.key.assistant_ids)).order_by(Assistant.name)
    return list(await session.scalars(query))


async def _resolve(session: AsyncSession, caller: Caller, name: str, action: KeyAction) -> Assistant:
    """The assistant `name` means (id, name or slug) among the key's; unknown and foreign read the same."""
    caller.ensure_action(action)
    wanted = name.strip().lower()
    for assistant in await _scoped(session, caller):
        if wanted in (str(assistant.id), assistant.name.lower(), slug_of(assistant)):
            caller.ensure_can_use(assistant)
            return assistant
    raise NotFound(
        f"No assistant '{name}' for this API key; the `assistants` tool lists yours",
        code="assistant_not_found",
    )
