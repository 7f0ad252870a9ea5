"""The SQL kind: a database the assistant answers from with generated, guarded, read-only SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.connectors.kinds import AfterCommit, KindServices, SealedConfig
from askwell.connectors.models import Connector
from askwell.sql.config import parse_config, seal_config
from askwell.sql.knowledge import SqlKnowledge
from askwell.sql.plan import KIND, SqlPlan
from askwell.sql.router import router as sql_router
from askwell.sql.service import connection_url
from askwell.sql.stages.answer import AnswerStage, ChartStage, RefuseStage
from askwell.sql.stages.run import RunSqlStage
from askwell.sql.stages.understand import RouteStage, UnderstandStage
from askwell.sql.stages.write import WriteSqlStage
from askwell.turn.state import Phase, Stage

# Read back from the database, never taken from an admin's update.
_DERIVED = ("dialect", "schema")


class SqlKind:
    name: ClassVar[str] = KIND
    title: ClassVar[str] = "Database"
    router: ClassVar[APIRouter | None] = sql_router

    def __init__(self, services: KindServices) -> None:
        settings = services.settings
        self._box = services.credentials
        writer = WriteSqlStage(
            SqlKnowledge(services.embedder), max_rows=settings.sql_max_rows, retries=settings.sql_retries
        )
        runner = RunSqlStage(
            writer,
            timeout_s=settings.sql_timeout_s,
            max_rows=settings.sql_max_rows,
            retries=settings.sql_retries,
        )
        self._stages: dict[Phase, Sequence[Stage]] = {
            Phase.UNDERSTAND: [UnderstandStage(), RouteStage()],
            Phase.ANSWER: [RefuseStage(), writer, runner, ChartStage(), AnswerStage()],
        }

    def seal_config(self, raw: dict[str, Any], *, previous: Connector | None) -> SealedConfig:
        if previous is None:
            config, secret = seal_config(parse_config(raw), self._box)
        else:
            kept = {k: v for k, v in previous.config.items() if k not in _DERIVED}
            config, secret = seal_config(
                parse_config({**kept, **raw}),
                self._box,
                previous=previous.config,
                previous_secret=previous.secret,
            )
        return SealedConfig(config=config, secret=secret)

    async def plan(
        self, *, session: AsyncSession, assistant: Assistant, connectors: Sequence[Connector]
    ) -> SqlPlan:
        connector = connectors[0]  # one database per assistant: the first one answers
        return SqlPlan(
            connector_id=connector.id,
            url=connection_url(connector, self._box),
            dialect=connector.config.get("dialect", "sqlite"),
            config=connector.config,
        )

    def stages(self) -> Mapping[Phase, Sequence[Stage]]:
        return self._stages

    async def on_delete(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        return None  # the snapshot lives in the connector row; the database itself is not ours
