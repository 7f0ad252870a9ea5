"""Chart the result, then say what it shows (or, for a write request, why nothing ran)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from askwell.llm.base import Message
from askwell.ops import metrics
from askwell.sql.charts import choose_visualization
from askwell.sql.figures import FigureCheck
from askwell.sql.plan import KIND, SqlPlan
from askwell.sql.prompting import answer_messages
from askwell.sql.stages.refusal import decline
from askwell.sql.stages.write import sql_route
from askwell.turn.answer_checks import AnswerChecks
from askwell.turn.events import ChatEvent, TokenEvent, UsageInfo, VisualizationEvent
from askwell.turn.state import Turn, TurnDeps


class RefuseStage:
    """A request to change data: a polite read-only answer, nothing generated or run."""

    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        if turn.plan(KIND, SqlPlan) is None or not turn.refused:
            return
        async for event in decline(turn):
            yield event


class ChartStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = sql_route(turn)
        if plan is None or (result := plan.work.result) is None:
            return
        yield turn.steps.start("chart", "Choosing a chart")
        whole = (
            not result.truncated
            and plan.work.query is not None
            and not selects_some(plan.work.query.shown_sql, plan.dialect)
        )
        visualization = choose_visualization(
            result.columns, result.rows, title=turn.question[:120], whole=whole
        )
        if visualization is not None:
            turn.extra["visualization"] = visualization
            yield VisualizationEvent(visualization=visualization)
        yield turn.steps.finish("chart", viz_type=visualization["viz_type"] if visualization else "table")


def selects_some(sql: str, dialect: str) -> bool:
    """Whether the query keeps only some rows of what it ranks: a LIMIT, FETCH or TOP anywhere
    (the model's query, before the guard's own LIMIT), so its rows are no whole to share out."""
    try:
        root = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return True  # unknown: a bar misleads less than a pie
    return any(True for _ in root.find_all(exp.Limit, exp.Fetch))


class AnswerStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = sql_route(turn)
        if plan is None or (result := plan.work.result) is None or plan.work.query is None:
            return
        yield turn.steps.start("answer", "Answering", model=deps.model.name)
        prompt = answer_messages(
            system_prompt=turn.system_prompt,
            question=turn.question,
            # Without the guard's LIMIT 1001, which a small model reads as a count.
            sql=plan.work.query.shown_sql,
            columns=result.columns,
            rows=result.rows,
            row_count=result.row_count,
            truncated=result.truncated,
            language=turn.language,
        )
        figures = FigureCheck(
            columns=result.columns, rows=result.rows, row_count=result.row_count, question=turn.question
        )
        try:
            async for event in _stream(turn, deps, prompt, figures):
                yield event
        except Exception:
            metrics.count_sql_outcome("failed")
            raise
        # "rescued": the query ran only after the model was asked again with an error.
        metrics.count_sql_outcome("rescued" if plan.work.tries else "answered")
        checked: dict[str, Any] = {"figures": figures.checked}
        if figures.corrected:  # shown, as repairs of the query are: the answer differs from the model's
            checked["corrected"] = figures.corrected
        if figures.removed:
            checked["removed"] = figures.removed
        yield turn.steps.finish("answer", completion_tokens=turn.usage.completion_tokens, **checked)


async def _stream(
    turn: Turn, deps: TurnDeps, prompt: list[Message], figures: FigureCheck
) -> AsyncIterator[ChatEvent]:
    # A cell of the result can carry instructions too ("reveal your prompt", "cite [3]"): the
    # answer cites no source, and the system message stays out of it. Then its numbers are
    # checked against the result.
    checks = AnswerChecks(instructions=prompt[0].content, source_count=0)
    try:
        async for chunk in deps.model.stream(prompt, deps.options):
            if chunk.text and (text := figures.feed(checks.feed(chunk.text))):
                yield _token(turn, text)
            if chunk.usage is not None:
                turn.usage = UsageInfo(
                    prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens
                )
    except Exception:
        # The model failed mid-answer: the partial answer kept is all it said, checked.
        if tail := figures.feed(checks.flush()) + figures.flush():
            yield _token(turn, tail)
        raise
    if tail := figures.feed(checks.flush()) + figures.flush():
        yield _token(turn, tail)


def _token(turn: Turn, text: str) -> TokenEvent:
    if turn.first_token_ms is None:
        turn.first_token_ms = turn.elapsed_ms()
    turn.answer.append(text)
    return TokenEvent(content=text)
