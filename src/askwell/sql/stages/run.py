"""Run the query read-only; when the database refuses it, ask the model again with its message."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.errors import Invalid
from askwell.ops import metrics
from askwell.sql.execute import QueryResult, run_read_only
from askwell.sql.stages.refusal import decline
from askwell.sql.stages.write import Attempt, SqlFailed, WriteSqlStage, give_up, sql_route
from askwell.turn.events import ChatEvent, SqlEvent, TableEvent
from askwell.turn.state import Turn, TurnDeps


class RunSqlStage:
    def __init__(self, writer: WriteSqlStage, *, timeout_s: float, max_rows: int, retries: int) -> None:
        self._writer = writer
        self._timeout_s = timeout_s
        self._max_rows = max_rows
        self._retries = retries

    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = sql_route(turn)
        if plan is None or plan.work.query is None:
            return
        work = plan.work
        query = plan.work.query
        yield turn.steps.start("run", "Running the query")
        result: QueryResult | None = None
        while result is None:
            try:
                result = await run_read_only(
                    plan.url, query.sql, timeout_s=self._timeout_s, max_rows=self._max_rows
                )
            # The database refused it: ask again, with its message (other SQL cannot fix a slow
            # query or a bad connection URL).
            except Invalid as exc:
                if work.tries >= self._retries or exc.code in ("sql_timeout", "invalid_url"):
                    metrics.count_sql_outcome("failed")
                    yield turn.steps.finish("run", "error", error=exc.message)
                    raise
                work.tries += 1
                work.failures.append((query.shown_sql, exc.message))
                attempt = Attempt()
                async for event in self._writer.write(
                    turn, deps, plan, attempt, parent="run", after_error=exc.message
                ):
                    yield event
                if attempt.writes:  # asked again, the model wrote a write: decline, as on the first try
                    yield turn.steps.finish("run", refused=True)
                    async for event in decline(turn):
                        yield event
                    return
                if attempt.guarded is None:
                    metrics.count_sql_outcome("failed")
                    yield turn.steps.finish("run", "error", error=attempt.error)
                    raise SqlFailed(give_up(work.tries, attempt)) from None
                query = work.query = attempt.guarded
        work.result = result
        yield SqlEvent(sql=query.sql)  # the contract: the query that was run, limit and all
        table = {
            "columns": result.columns,
            "rows": result.rows,
            "row_count": result.row_count,
            "truncated": result.truncated,
        }
        yield TableEvent(
            columns=result.columns, rows=result.rows, row_count=result.row_count, truncated=result.truncated
        )
        turn.extra["sql"], turn.extra["table"] = query.sql, table
        yield turn.steps.finish(
            "run", rows=result.row_count, truncated=result.truncated, elapsed_ms=result.elapsed_ms
        )
