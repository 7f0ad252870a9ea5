"""Write the query: the schema context, the model's SQL, the guard, and retries that change something.

A failed try is diagnosed (askwell.sql.repair): a close name is fixed without the model;
otherwise the model gets a fresh prompt listing every failure so far with a hint for each.
A model that writes a failed query again is asked once more with sampling on, so that the
route ends on a copy only when the tries run out.
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
from askwell.sql.plan import KIND, Failure, SqlPlan
from askwell.sql.prompting import extract_sql, retry_messages, sql_messages
from askwell.sql.repair import Diagnosis, diagnose
from askwell.sql.stages.refusal import decline
from askwell.turn.events import ChatEvent
from askwell.turn.state import Turn, TurnDeps

_SQL_OPTIONS = GenerationOptions(max_tokens=512, temperature=0.0)
# Greedy decoding gives the same query for the same prompt: after a copy, sample.
_VARIED_OPTIONS = GenerationOptions(max_tokens=512, temperature=0.7)


class SqlFailed(AskwellError):
    status_code = 422
    code = "sql_failed"


@dataclass
class Attempt:
    sql: str = ""
    guarded: GuardedQuery | None = None
    error: str | None = None
    repeated: bool = False  # the model wrote a query that already failed (error: that query's)
    writes: bool = False  # the model wrote a write: the request was one, whatever the intent check said

    def clear(self) -> None:
        self.__dict__.update(Attempt().__dict__)


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
        if not attempt.writes and attempt.guarded is None:
            async for event in self.retry(turn, deps, plan, attempt, parent="generate_sql"):
                yield event
        if attempt.writes:  # the intent check missed a request to change data: decline it
            yield turn.steps.finish("generate_sql", refused=True)
            async for event in decline(turn):
                yield event
            return
        if attempt.guarded is None:
            metrics.count_sql_outcome("failed")
            yield turn.steps.finish("generate_sql", "error")
            raise SqlFailed(give_up(work.tries, attempt))
        work.query = attempt.guarded
        yield turn.steps.finish("generate_sql", tries=work.tries + 1)

    async def retry(
        self,
        turn: Turn,
        deps: TurnDeps,
        plan: SqlPlan,
        attempt: Attempt,
        *,
        parent: str,
        diagnosis: Diagnosis | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """Try again after `attempt` failed, until a query passes the guard, the model writes a
        write, or the retries run out; `attempt` ends as the last try. `diagnosis`: the
        caller's own (an empty result), else the failed try's error is diagnosed here."""
        work = plan.work
        tables = plan.schema.get("tables", [])
        while attempt.guarded is None and not attempt.writes and work.tries < self._retries:
            work.tries += 1
            found = diagnosis or diagnose(
                attempt.error or "", attempt.sql, dialect=plan.dialect, tables=tables
            )
            diagnosis = None
            if attempt.repeated:
                work.repeats += 1
            else:
                work.failures.append(Failure(attempt.sql, attempt.error or "", found.hint))
            failed_error = attempt.error or ""
            attempt.clear()  # the same object: the caller reads the last try in it
            async for event in self.write(
                turn, deps, plan, attempt, parent=parent, after_error=failed_error, diagnosis=found
            ):
                yield event

    async def write(
        self,
        turn: Turn,
        deps: TurnDeps,
        plan: SqlPlan,
        attempt: Attempt,
        *,
        parent: str,
        after_error: str | None = None,
        diagnosis: Diagnosis | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """One generate (or repair) + validate round (try number `plan.work.tries`), as sub-steps
        of `parent`; fills `attempt`. Retries send the first prompt again with every failure so
        far and its hint; a diagnosis with a fixed query replaces the model's turn."""
        work, number = plan.work, plan.work.tries
        key = f"sql_{number}"
        extra: dict[str, Any] = {"after_error": after_error} if after_error else {}
        if diagnosis is not None:
            extra["diagnosis"] = diagnosis.kind
        if diagnosis is not None and diagnosis.fixed_sql:
            yield turn.steps.start(key, f"repair {number}", parent=parent, repair=diagnosis.fix, **extra)
            attempt.sql = diagnosis.fixed_sql
        else:
            options = _VARIED_OPTIONS if work.repeats else _SQL_OPTIONS
            if work.repeats:
                extra["temperature"] = options.temperature
            label = "generate" if number == 0 else f"retry {number}"
            yield turn.steps.start(key, label, parent=parent, **extra)
            messages = (
                retry_messages(work.prompt, work.failures, repeated=bool(work.repeats))
                if work.failures
                else work.prompt
            )
            reply = "".join([c.text async for c in deps.model.stream(messages, options)])
            attempt.sql = extract_sql(reply)
        yield turn.steps.finish(key, sql=attempt.sql)
        yield turn.steps.start(f"validate_{number}", "validate", parent=parent)
        failed = {same_query_key(f.sql): f.error for f in work.failures}
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
            yield turn.steps.finish(
                f"validate_{number}", "error", error=exc.message, repeated=attempt.repeated
            )
            return
        earlier = failed.get(same_query_key(attempt.sql)) or failed.get(same_query_key(guarded.shown_sql))
        if earlier is not None:  # it would fail as it did: not run again, asked again differently
            attempt.error, attempt.repeated = earlier, True
            yield turn.steps.finish(f"validate_{number}", "error", error=earlier, repeated=True)
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
    why = (
        f"the model wrote a query that had already failed ({attempt.error})"
        if attempt.repeated
        else attempt.error
    )
    return f"No valid query after {tries + 1} tries: {why}"
