"""The SQL route: write a query (retrying with the error), run it read-only, chart it, explain it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from askwell.chat.events import ChatEvent, SqlEvent, TableEvent, TokenEvent, UsageInfo, VisualizationEvent
from askwell.chat.turn import FlowDeps, SqlPlan, Turn
from askwell.errors import AskwellError, Invalid
from askwell.llm.base import GenerationOptions, Message
from askwell.sql.charts import choose_visualization
from askwell.sql.execute import QueryResult, run_read_only
from askwell.sql.guard import GuardedQuery, guard
from askwell.sql.intent import READ_ONLY_REFUSAL
from askwell.sql.prompting import answer_messages, extract_sql, retry_messages, sql_messages

_SQL_OPTIONS = GenerationOptions(max_tokens=512, temperature=0.0)


class SqlFailed(AskwellError):
    status_code = 422
    code = "sql_failed"


@dataclass
class _Attempt:
    sql: str = ""
    guarded: GuardedQuery | None = None
    error: str | None = None
    repeated: bool = False  # the model wrote a query that already failed: asking again is futile


class SqlStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        if turn.route != "sql" or turn.sql is None:
            return
        if turn.refused:
            async for event in _say(turn, READ_ONLY_REFUSAL):
                yield event
            return
        plan, knowledge = turn.sql, deps.sql_knowledge
        assert knowledge is not None
        yield turn.steps.start("generate_sql", "Writing SQL")
        yield turn.steps.start("schema", "schema lookup", parent="generate_sql")
        context = await knowledge.context_for(turn.question, plan.config)
        yield turn.steps.finish(
            "schema", tables=context.tables, docs=len(context.docs), examples=len(context.examples)
        )
        first_prompt = sql_messages(
            question=turn.question,
            context=context,
            dialect=plan.dialect,
            description=plan.config.get("description", ""),
            memory=turn.memory,
        )
        failures: list[tuple[str, str]] = []  # (query, error) of every failed try, for the retry prompt
        tries = 0
        attempt = _Attempt()
        async for event in _write_query(
            turn, deps, plan, first_prompt, failures, attempt, parent="generate_sql", number=0
        ):
            yield event
        while attempt.guarded is None and not attempt.repeated and tries < deps.sql_retries:
            tries += 1
            failures.append((attempt.sql, attempt.error or ""))
            attempt = _Attempt()
            async for event in _write_query(
                turn, deps, plan, first_prompt, failures, attempt, parent="generate_sql", number=tries
            ):
                yield event
        if attempt.guarded is None:
            yield turn.steps.finish("generate_sql", "error")
            raise SqlFailed(_give_up(tries, attempt))
        yield turn.steps.finish("generate_sql", tries=tries + 1)

        yield turn.steps.start("run", "Running the query")
        query: GuardedQuery = attempt.guarded
        result: QueryResult | None = None
        while result is None:
            try:
                result = await run_read_only(
                    plan.url, query.sql, timeout_s=deps.sql_timeout_s, max_rows=deps.sql_max_rows
                )
            except Invalid as exc:  # the database refused it: ask again, with its message
                if tries >= deps.sql_retries or exc.code == "sql_timeout":
                    yield turn.steps.finish("run", "error", error=exc.message)
                    raise
                tries += 1
                failures.append((query.shown_sql, exc.message))
                attempt = _Attempt()
                async for event in _write_query(
                    turn,
                    deps,
                    plan,
                    first_prompt,
                    failures,
                    attempt,
                    parent="run",
                    number=tries,
                    after_error=exc.message,
                ):
                    yield event
                if attempt.guarded is None:
                    yield turn.steps.finish("run", "error", error=attempt.error)
                    raise SqlFailed(_give_up(tries, attempt)) from None
                query = attempt.guarded
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

        yield turn.steps.start("chart", "Choosing a chart")
        visualization = choose_visualization(result.columns, result.rows, title=turn.question[:120])
        if visualization is not None:
            turn.extra["visualization"] = visualization
            yield VisualizationEvent(visualization=visualization)
        yield turn.steps.finish("chart", viz_type=visualization["viz_type"] if visualization else "table")

        yield turn.steps.start("answer", "Answering", model=deps.model.name)
        prompt = answer_messages(
            system_prompt=turn.system_prompt,
            question=turn.question,
            sql=query.shown_sql,  # without the guard's LIMIT 1001, which a small model reads as a count
            columns=result.columns,
            rows=result.rows,
            row_count=result.row_count,
            truncated=result.truncated,
            language=turn.language,
        )
        async for event in _stream_answer(turn, deps, prompt):
            yield event
        yield turn.steps.finish("answer", completion_tokens=turn.usage.completion_tokens)


async def _write_query(
    turn: Turn,
    deps: FlowDeps,
    plan: SqlPlan,
    first_prompt: list[Message],
    failures: list[tuple[str, str]],
    attempt: _Attempt,
    *,
    parent: str,
    number: int,
    after_error: str | None = None,
) -> AsyncIterator[ChatEvent]:
    """One generate + validate round, as sub-steps of `parent`; fills `attempt`.

    The first round sends `first_prompt`; a retry sends it again with every failure so far.
    """
    key = f"sql_{number}"
    label = "generate" if number == 0 else f"retry {number}"
    yield turn.steps.start(key, label, parent=parent, **({"after_error": after_error} if after_error else {}))
    messages = retry_messages(first_prompt, failures) if failures else first_prompt
    reply = "".join([c.text async for c in deps.model.stream(messages, _SQL_OPTIONS)])
    attempt.sql = extract_sql(reply)
    yield turn.steps.finish(key, sql=attempt.sql)
    yield turn.steps.start(f"validate_{number}", "validate", parent=parent)
    failed = {_same_query_key(sql) for sql, _ in failures}
    schema = (plan.config.get("schema") or {}).get("tables", [])
    try:
        guarded = guard(
            attempt.sql,
            dialect=plan.dialect,  # type: ignore[arg-type]
            allowed_tables=plan.config.get("tables") or None,
            known_tables=[t["name"] for t in schema],
            max_rows=deps.sql_max_rows,
            columns={t["name"]: [c["name"] for c in t["columns"]] for t in schema},
        )
    except Invalid as exc:
        attempt.error, attempt.repeated = exc.message, _same_query_key(attempt.sql) in failed
        yield turn.steps.finish(f"validate_{number}", "error", error=exc.message)
        return
    if failed & {_same_query_key(attempt.sql), _same_query_key(guarded.shown_sql)}:
        attempt.error, attempt.repeated = "the model wrote a query that had already failed", True
        yield turn.steps.finish(f"validate_{number}", "error", error=attempt.error)
        return
    attempt.guarded = guarded
    checked: dict[str, Any] = {"tables": list(guarded.tables), "limited": guarded.limited}
    if guarded.repairs:  # shown, since a repaired query can run and still be wrong
        checked["repaired"] = list(guarded.repairs)
    yield turn.steps.finish(f"validate_{number}", **checked)


def _same_query_key(sql: str) -> str:
    """Two spellings of one query compare equal: case, spacing and a final semicolon aside."""
    return " ".join(sql.strip().rstrip(";").lower().split())


def _give_up(tries: int, attempt: _Attempt) -> str:
    why = "the model wrote a query that had already failed" if attempt.repeated else attempt.error
    return f"No valid query after {tries + 1} tries: {why}"


async def _stream_answer(turn: Turn, deps: FlowDeps, prompt: list[Message]) -> AsyncIterator[ChatEvent]:
    async for chunk in deps.model.stream(prompt, deps.options):
        if chunk.text:
            if turn.first_token_ms is None:
                turn.first_token_ms = turn.elapsed_ms()
            turn.answer.append(chunk.text)
            yield TokenEvent(content=chunk.text)
        if chunk.usage is not None:
            turn.usage = UsageInfo(
                prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens
            )


async def _say(turn: Turn, text: str) -> AsyncIterator[ChatEvent]:
    yield turn.steps.start("answer", "Answering")
    turn.first_token_ms = turn.elapsed_ms()
    turn.answer.append(text)
    yield TokenEvent(content=text)
    yield turn.steps.finish("answer", refused=True)
