"""For assistants with a database: spot requests to change data, then route the question."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.documents import service as document_service
from askwell.documents.stages import KIND as DOCUMENTS
from askwell.documents.stages import RetrievalPlan
from askwell.sql.intent import asks_to_change_data
from askwell.sql.plan import KIND, SqlPlan
from askwell.sql.routing import route_question
from askwell.turn.events import ChatEvent
from askwell.turn.state import Turn, TurnDeps

_ROUTING_NAMES = 15  # document names shown to the routing prompt


class UnderstandStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        if turn.plan(KIND, SqlPlan) is None:
            return
        yield turn.steps.start("understand", "Understanding the question")
        turn.refused = asks_to_change_data(turn.question)
        if turn.refused:
            turn.route = KIND
        yield turn.steps.finish("understand", intent="change data" if turn.refused else "question")


class RouteStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = turn.plan(KIND, SqlPlan)
        if plan is None or turn.refused:
            return
        yield turn.steps.start("route", "Choosing documents or database")
        documents = turn.plan(DOCUMENTS, RetrievalPlan)  # also documents: the question must be routed
        if documents is None:
            turn.route, reason = KIND, "this assistant's knowledge is a database"
        else:
            async with deps.session_factory() as session:
                names = await document_service.names_in(
                    session=session, connector_ids=documents.where.connector_ids, limit=_ROUTING_NAMES
                )
            decision = await route_question(
                turn.question,
                schema=plan.schema,
                description=plan.config.get("description", ""),
                document_names=names,
                model=deps.model,
            )
            turn.route, reason = decision.route, decision.reason
        yield turn.steps.finish("route", route=turn.route, reason=reason)
