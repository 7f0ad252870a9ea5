"""Run the query read-only; when the database refuses it, or finds no rows for a value the
column never holds, try again (askwell.sql.stages.write: a repair or the model, with a hint)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from askwell.errors import Invalid
from askwell.ops import metrics
from askwell.sql.execute import QueryResult, run_read_only
from askwell.sql.repair import empty_result_hint
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
            # The database refused it: try again (other SQL cannot fix a slow query or a bad URL).
            except Invalid as exc:
                if work.tries >= self._retries or exc.code in ("sql_timeout", "invalid_url"):
                    metrics.count_sql_outcome("failed")
                    yield turn.steps.finish("run", "error", error=exc.message)
                    raise
                failed, diagnosis = Attempt(sql=query.shown_sql, error=exc.message), None
            else:
                # No rows, and the query looks for a value its column never holds: say which it holds.
                diagnosis = (
                    empty_result_hint(
                        query.shown_sql, dialect=plan.dialect, tables=plan.schema.get("tables", [])
                    )
                    if result.row_count == 0 and work.tries < self._retries
                    else None
                )
                if diagnosis is None:
                    break
                result = None
                failed = Attempt(sql=query.shown_sql, error="the query found no rows")
            async for event in self._writer.retry(
                turn, deps, plan, failed, parent="run", diagnosis=diagnosis
            ):
                yield event
            if failed.writes:  # asked again, the model wrote a write: decline, as on the first try
                yield turn.steps.finish("run", refused=True)
                async for event in decline(turn):
                    yield event
                return
            if failed.guarded is None:
                metrics.count_sql_outcome("failed")
                yield turn.steps.finish("run", "error", error=failed.error)
                raise SqlFailed(give_up(work.tries, failed)) from None
            query = work.query = failed.guarded
        assert result is not None
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
