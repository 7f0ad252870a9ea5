"""The SQL kind: a database the assistant answers from with generated, guarded, read-only SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.connectors.kinds import AfterCommit, Check, KindServices, SealedConfig
from askwell.connectors.models import Connector
from askwell.jobs.base import Task
from askwell.sql.config import parse_config, seal_config
from askwell.sql.knowledge import SqlKnowledge
from askwell.sql.plan import KIND, SqlPlan
from askwell.sql.router import router as sql_router
from askwell.sql.service import connection_url, refresh_schema
from askwell.sql.stages.answer import AnswerStage, ChartStage, RefuseStage
from askwell.sql.stages.run import RunSqlStage
from askwell.sql.stages.understand import RouteStage, UnderstandStage
from askwell.sql.stages.write import WriteSqlStage
from askwell.sql.tasks import REFRESH, enqueue_refresh, find_unsnapshotted, refresh_task
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
        self._settings = settings
        self._jobs = services.jobs
        self._tasks = {REFRESH: refresh_task(services.session_factory, services.credentials)}
        self._checks = [find_unsnapshotted(services.jobs, services.session_factory)]
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
            config, secret = seal_config(parse_config(raw), self._box, settings=self._settings)
        else:
            kept = {k: v for k, v in previous.config.items() if k not in _DERIVED}
            config, secret = seal_config(
                parse_config({**kept, **raw}),
                self._box,
                settings=self._settings,
                previous=previous.config,
                previous_secret=previous.secret,
            )
        return SealedConfig(config=config, secret=secret)

    async def plan(
        self, *, session: AsyncSession, assistant: Assistant, connectors: Sequence[Connector]
    ) -> SqlPlan:
        connector = connectors[0]  # one database per assistant: the first one answers
        if "schema" not in connector.config:
            # Its snapshot job has not run yet: take it now rather than answer "unknown table".
            await refresh_schema(session=session, connector=connector, box=self._box)
        return SqlPlan(
            connector_id=connector.id,
            url=connection_url(connector, self._box),
            dialect=connector.config.get("dialect", "sqlite"),
            config=connector.config,
        )

    def stages(self) -> Mapping[Phase, Sequence[Stage]]:
        return self._stages

    async def on_saved(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        if "schema" in connector.config:
            return None  # same database: the snapshot stands (seal_config keeps it)
        job = await enqueue_refresh(self._jobs, session, connector.id)

        async def send() -> None:
            await self._jobs.send([job])

        return send

    async def on_delete(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        return None  # the snapshot lives in the connector row; the database itself is not ours

    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def checks(self) -> Sequence[Check]:
        return self._checks
