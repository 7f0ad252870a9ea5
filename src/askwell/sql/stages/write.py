"""Write the query: the schema context, the model's SQL, the guard, and retries with the errors.

A failed try is retried with a fresh prompt listing every failure so far; a retry that
writes a query that already failed ends the attempt (asking again is futile).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from askwell.errors import AskwellError, Invalid
from askwell.llm.base import GenerationOptions
from askwell.ops import metrics
from askwell.sql.dialect import to_dialect
from askwell.sql.guard import GuardedQuery, WriteRefused, guard
from askwell.sql.knowledge import SqlKnowledge
from askwell.sql.plan import KIND, SqlPlan
from askwell.sql.prompting import extract_sql, retry_messages, sql_messages
from askwell.sql.stages.refusal import decline
from askwell.turn.events import ChatEvent
from askwell.turn.state import Turn, TurnDeps

_SQL_OPTIONS = GenerationOptions(max_tokens=512, temperature=0.0)


class SqlFailed(AskwellError):
    status_code = 422
    code = "sql_failed"


@dataclass
class Attempt:
    sql: str = ""
    guarded: GuardedQuery | None = None
    error: str | None = None
    repeated: bool = False  # the model wrote a query that already failed: asking again is futile
    writes: bool = False  # the model wrote a write: the request was one, whatever the intent check said


def sql_route(turn: Turn) -> SqlPlan | None:
    """The plan, when this turn is answered by the SQL route (not refused)."""
    plan = turn.plan(KIND, SqlPlan)
    return plan if plan is not None and turn.route == KIND and not turn.refused else None


class WriteSqlStage:
    def __init__(self, knowledge: SqlKnowledge, *, max_rows: int, retries: int) -> None:
        self._knowledge = knowledge
        self._max_rows = max_rows
        self._retries = retries

    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = sql_route(turn)
        if plan is None:
            return
        work = plan.work
        yield turn.steps.start("generate_sql", "Writing SQL")
        yield turn.steps.start("schema", "schema lookup", parent="generate_sql")
        context = await self._knowledge.context_for(turn.question, plan.config)
        yield turn.steps.finish(
            "schema", tables=context.tables, docs=len(context.docs), examples=len(context.examples)
        )
        work.prompt = sql_messages(
            question=turn.question,
            context=context,
            dialect=plan.dialect,
            description=plan.config.get("description", ""),
            memory=turn.memory,
        )
        attempt = Attempt()
        async for event in self.write(turn, deps, plan, attempt, parent="generate_sql"):
            yield event
        if attempt.writes:  # the intent check missed a request to change data: decline it
            yield turn.steps.finish("generate_sql", refused=True)
            async for event in decline(turn):
                yield event
            return
        while attempt.guarded is None and not attempt.repeated and work.tries < self._retries:
            work.tries += 1
            work.failures.append((attempt.sql, attempt.error or ""))
            attempt = Attempt()
            async for event in self.write(turn, deps, plan, attempt, parent="generate_sql"):
                yield event
        if attempt.guarded is None:
            metrics.count_sql_outcome("failed")
            yield turn.steps.finish("generate_sql", "error")
            raise SqlFailed(give_up(work.tries, attempt))
        work.query = attempt.guarded
        yield turn.steps.finish("generate_sql", tries=work.tries + 1)

    async def write(
        self,
        turn: Turn,
        deps: TurnDeps,
        plan: SqlPlan,
        attempt: Attempt,
        *,
        parent: str,
        after_error: str | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """One generate + validate round (try number `plan.work.tries`), as sub-steps of `parent`;
        fills `attempt`. Retries send the first prompt again with every failure so far."""
        work, number = plan.work, plan.work.tries
        key = f"sql_{number}"
        label = "generate" if number == 0 else f"retry {number}"
        extra = {"after_error": after_error} if after_error else {}
        yield turn.steps.start(key, label, parent=parent, **extra)
        messages = retry_messages(work.prompt, work.failures) if work.failures else work.prompt
        reply = "".join([c.text async for c in deps.model.stream(messages, _SQL_OPTIONS)])
        attempt.sql = extract_sql(reply)
        yield turn.steps.finish(key, sql=attempt.sql)
        yield turn.steps.start(f"validate_{number}", "validate", parent=parent)
        failed = {same_query_key(sql) for sql, _ in work.failures}
        tables = plan.schema.get("tables", [])
        translation = to_dialect(attempt.sql, plan.dialect)
        try:
            guarded = guard(
                translation.sql,
                dialect=plan.dialect,  # type: ignore[arg-type]
                allowed_tables=plan.config.get("tables") or None,
                known_tables=[t["name"] for t in tables],
                max_rows=self._max_rows,
                columns={t["name"]: [c["name"] for c in t["columns"]] for t in tables},
            )
        except Invalid as exc:
            attempt.error, attempt.repeated = exc.message, same_query_key(attempt.sql) in failed
            attempt.writes = isinstance(exc, WriteRefused)
            yield turn.steps.finish(f"validate_{number}", "error", error=exc.message)
            return
        if failed & {same_query_key(attempt.sql), same_query_key(guarded.shown_sql)}:
            attempt.error, attempt.repeated = "the model wrote a query that had already failed", True
            yield turn.steps.finish(f"validate_{number}", "error", error=attempt.error)
            return
        attempt.guarded = guarded
        checked: dict[str, Any] = {"tables": list(guarded.tables), "limited": guarded.limited}
        if translation.rewrites:  # what the model wrote in another dialect, as it was run
            checked["rewritten"] = list(translation.rewrites)
        if guarded.repairs:  # shown, since a repaired query can run and still be wrong
            checked["repaired"] = list(guarded.repairs)
        yield turn.steps.finish(f"validate_{number}", **checked)


def same_query_key(sql: str) -> str:
    """Two spellings of one query compare equal: case, spacing and a final semicolon aside."""
    return " ".join(sql.strip().rstrip(";").lower().split())


def give_up(tries: int, attempt: Attempt) -> str:
    why = "the model wrote a query that had already failed" if attempt.repeated else attempt.error
    return f"No valid query after {tries + 1} tries: {why}"
