"""Running an evaluation: each question through the product's own retrieval and chat turn.

Per question: the retrieval service in each mode (keyword, vector, hybrid), then a whole
turn (prepare_turn + run_turn, the assistant's model, its knowledge kinds) in a session of
its own that is deleted afterwards, so evaluation leaves no chats behind. A question that
fails is stored with its error and the run goes on; the run's metrics are computed at the end.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from askwell.assistants.models import Assistant
from askwell.assistants.schemas import RetrievalSettings
from askwell.auth.models import User
from askwell.chat import service as chat_service
from askwell.chat.flows import prepare_turn, run_turn
from askwell.chat.models import ChatMessage, ChatSession
from askwell.connectors.models import Connector
from askwell.db import utcnow
from askwell.documents.retrieval.service import filter_for
from askwell.errors import Invalid
from askwell.evaluation import scoring
from askwell.evaluation.models import EvalResult, EvalRun, EvalSet, RunStatus
from askwell.evaluation.schemas import MODES
from askwell.sql.execute import run_read_only
from askwell.sql.plan import KIND as SQL_KIND
from askwell.sql.service import connection_url
from askwell.turn.events import DoneEvent, ErrorEvent

if TYPE_CHECKING:
    from askwell.runtime import Runtime

logger = logging.getLogger(__name__)

CANDIDATES = 50  # chunks per mode: enough for 10 distinct documents (as bench/retrieval.py)
_GOLD_TIMEOUT_S = 30.0
_GOLD_MAX_ROWS = 1000


@dataclass
class QuestionOutcome:
    retrieved: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answer: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    sql: str | None = None
    sql_result: dict[str, Any] | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    scores: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def run_settings(runtime: Runtime, assistant: Assistant) -> dict[str, Any]:
    """What the numbers were measured with, so runs over time can be told apart."""
    retrieval = RetrievalSettings.of(assistant.retrieval)
    settings = runtime.settings
    return {
        "model": assistant.model or settings.default_model,
        "embedding_model": settings.embedding_model,
        "chunking": {"chunk_tokens": settings.chunk_tokens, "chunk_overlap": settings.chunk_overlap},
        "retrieval": {
            "top_k": retrieval.top_k,
            "fusion": retrieval.fusion,
            "keyword_weight": retrieval.keyword_weight,
            "vector_weight": retrieval.vector_weight,
            "candidates_per_mode": CANDIDATES,
        },
        # The chat turns are reranked when the assistant has a reranker; the per-mode retrieval
        # scores (keyword, vector, hybrid) are of the unreranked searches.
        "reranker": (
            {"model": retrieval.reranker, "candidates": retrieval.rerank_candidates, "applies_to": "answer"}
            if retrieval.reranker
            else None
        ),
        "temperature": settings.temperature,
        "max_answer_tokens": settings.max_answer_tokens,
    }


async def run_evaluation(runtime: Runtime, run_id: uuid.UUID) -> None:
    """Answer every question of the run's set, store each, then the run's metrics.

    Idempotent: a retried job starts the run over (its earlier results are replaced).
    """
    begun = await _begin(runtime, run_id)
    if begun is None:
        return  # deleted before it ran
    assistant, user, items = begun
    stored: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        outcome = await _question(runtime, run_id, assistant, user, item, position)
        stored.append({"scores": outcome.scores, "latency_ms": outcome.latency_ms, "error": outcome.error})
        if not await _store(runtime, run_id, position, item, outcome):
            return  # deleted while it ran: stop
    async with runtime.session_factory() as session:
        run = await session.get(EvalRun, run_id)
        if run is not None:
            run.metrics = scoring.run_metrics(stored).model_dump()
            run.status, run.finished_at = RunStatus.DONE, utcnow()
            await session.commit()


async def _begin(
    runtime: Runtime, run_id: uuid.UUID
) -> tuple[Assistant, User | None, list[dict[str, Any]]] | None:
    """Mark the run running with its settings, drop earlier results; what the questions need."""
    async with runtime.session_factory() as session:
        run = await session.get(EvalRun, run_id)
        if run is None:
            return None
        eval_set = await session.get(EvalSet, run.set_id)
        assistant = await session.get(Assistant, run.assistant_id)
        user = await session.get(User, run.user_id) if run.user_id else None
        assert eval_set is not None and assistant is not None  # deleting either deletes the run
        items = eval_set.items[: run.total or None]
        await session.execute(delete(EvalResult).where(EvalResult.run_id == run_id))
        run.status, run.started_at, run.completed, run.failed_questions = RunStatus.RUNNING, utcnow(), 0, 0
        run.total, run.settings = len(items), run_settings(runtime, assistant)
        await session.commit()
        session.expunge(assistant)  # read after the session: plain attributes, all loaded
        if user is not None:
            session.expunge(user)
    return assistant, user, items


async def _store(
    runtime: Runtime, run_id: uuid.UUID, position: int, item: dict[str, Any], outcome: QuestionOutcome
) -> bool:
    """Store one question's result and the run's progress; False when the run is gone."""
    async with runtime.session_factory() as session:
        run = await session.get(EvalRun, run_id)
        if run is None:
            return False
        session.add(
            EvalResult(
                run_id=run_id,
                position=position,
                question=item["question"],
                expected={k: v for k, v in item.items() if k != "question"},
                retrieved=outcome.retrieved,
                answer=outcome.answer,
                citations=outcome.citations,
                sql=outcome.sql,
                sql_result=outcome.sql_result,
                latency_ms=outcome.latency_ms,
                scores=outcome.scores,
                error=outcome.error,
            )
        )
        run.completed = position + 1
        run.failed_questions += outcome.error is not None
        try:
            await session.commit()
        except IntegrityError:  # the run was deleted between the read and the write
            return False
    return True


async def _question(
    runtime: Runtime,
    run_id: uuid.UUID,
    assistant: Assistant,
    user: User | None,
    item: dict[str, Any],
    position: int,
) -> QuestionOutcome:
    outcome = QuestionOutcome()
    try:
        await _retrieve(runtime, assistant, item, outcome)
        await _answer(runtime, run_id, assistant, user, item, position, outcome)
        if item.get("expected_sql") or item.get("expected_result"):
            gold = item.get("expected_result") or await _gold_result(runtime, assistant, item["expected_sql"])
            outcome.scores["sql_correct"] = scoring.sql_correct(
                gold, item.get("expected_sql"), outcome.sql_result
            )
    except Exception as exc:  # one question must not end the run: it is stored with its error
        logger.exception("Evaluation question failed", extra={"run_id": str(run_id), "position": position})
        outcome.error = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    return outcome


async def _retrieve(
    runtime: Runtime, assistant: Assistant, item: dict[str, Any], outcome: QuestionOutcome
) -> None:
    retrieval = RetrievalSettings.of(assistant.retrieval)
    expected = scoring.expected_keys(item.get("expected_documents") or [])
    for mode in MODES:
        started = time.perf_counter()
        async with runtime.session_factory() as session:
            sources = await runtime.retriever.search(
                session,
                where=filter_for(assistant.id),
                query=item["question"],
                top_k=CANDIDATES,
                mode=mode,
                # Each mode's own ranking is measured; the reranker is measured by the answers.
                **retrieval.search_options(rerank=False),
            )
        outcome.latency_ms[f"retrieval_{mode}"] = round((time.perf_counter() - started) * 1000, 1)
        outcome.retrieved[mode] = scoring.ranked_documents(sources, expected)


async def _answer(
    runtime: Runtime,
    run_id: uuid.UUID,
    assistant: Assistant,
    user: User | None,
    item: dict[str, Any],
    position: int,
    outcome: QuestionOutcome,
) -> None:
    session_id = f"eval-{run_id.hex}-{position}"
    async with runtime.session_factory() as session:
        target = await chat_service.load_target(
            session=session, assistant_id=assistant.id, session_id=session_id
        )
        turn = await prepare_turn(
            session=session,
            kinds=runtime.kinds,
            memory=runtime.memory,
            request_message=item["question"],
            target=target,
            user=user,
            session_id=session_id,
            language=None,
            history=[],  # each question stands alone
            memory_turns=runtime.settings.memory_turns,
        )
    model = runtime.models.get(assistant.model or runtime.settings.default_model)
    try:
        async for event in run_turn(turn, runtime.flow_deps(model)):
            if isinstance(event, ErrorEvent):
                outcome.error = f"{event.code}: {event.message}"
            elif isinstance(event, DoneEvent):
                outcome.latency_ms.update(
                    {
                        k: v
                        for k, v in {
                            "turn_retrieval": event.timings.retrieval_ms,
                            "first_token": event.timings.first_token_ms,
                            "answer_total": event.timings.total_ms,
                        }.items()
                        if v is not None
                    }
                )
    finally:
        await _forget_session(runtime, session_id)
    outcome.answer = "".join(turn.answer)
    expected = scoring.expected_keys(item.get("expected_documents") or [])
    outcome.citations = scoring.citations(turn.sources, expected)
    outcome.sql = turn.extra.get("sql")
    outcome.sql_result = turn.extra.get("table")
    outcome.scores.update(
        scoring.question_scores(
            item=item, retrieved=outcome.retrieved, answer=outcome.answer, cited=outcome.citations
        )
    )


async def _forget_session(runtime: Runtime, session_id: str) -> None:
    async with runtime.session_factory() as session:
        await session.execute(delete(ChatMessage).where(ChatMessage.session_id == session_id))
        await session.execute(delete(ChatSession).where(ChatSession.id == session_id))
        await session.commit()
    await runtime.memory.clear(session_id)


async def _gold_result(runtime: Runtime, assistant: Assistant, sql: str) -> dict[str, Any]:
    """The expected query's result on the assistant's database (read-only, as the chat runs SQL)."""
    async with runtime.session_factory() as session:
        connector = await session.scalar(
            select(Connector)
            .where(Connector.assistant_id == assistant.id, Connector.type == SQL_KIND)
            .limit(1)
        )
    if connector is None:
        raise Invalid("expected_sql needs a database connector on the assistant", code="no_database")
    url = connection_url(connector, runtime.credentials)
    result = await run_read_only(url, sql, timeout_s=_GOLD_TIMEOUT_S, max_rows=_GOLD_MAX_ROWS)
    return {"columns": result.columns, "rows": result.rows}
