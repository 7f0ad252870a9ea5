"""For assistants with a database: spot requests to change data, then route the question."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.chat.events import ChatEvent
from askwell.chat.turn import FlowDeps, Turn
from askwell.sql.intent import asks_to_change_data
from askwell.sql.routing import route_question


class UnderstandStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        if turn.sql is None:
            return
        yield turn.steps.start("understand", "Understanding the question")
        turn.refused = asks_to_change_data(turn.question)
        if turn.refused:
            turn.route = "sql"
        yield turn.steps.finish("understand", intent="change data" if turn.refused else "question")


class RouteStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        if turn.sql is None or turn.refused:
            return
        yield turn.steps.start("route", "Choosing documents or database")
        if turn.retrieval is None:
            turn.route, reason = "sql", "this assistant's knowledge is a database"
        else:
            decision = await route_question(
                turn.question,
                schema=turn.sql.config.get("schema") or {},
                description=turn.sql.config.get("description", ""),
                document_names=list(turn.sql.document_names),
                model=deps.model,
            )
            turn.route, reason = decision.route, decision.reason
        yield turn.steps.finish("route", route=turn.route, reason=reason)
