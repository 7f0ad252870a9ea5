"""Evaluation sets and runs: storing, listing, paging a run's questions, deleting."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.errors import NotFound
from askwell.evaluation.models import EvalResult, EvalRun, EvalSet, RunStatus
from askwell.evaluation.schemas import EvalItem, EvalRunCreate


async def ensure_assistant(*, session: AsyncSession, assistant_id: uuid.UUID) -> Assistant:
    assistant = await session.get(Assistant, assistant_id)
    if assistant is None:
        raise NotFound("Assistant not found", code="assistant_not_found")
    return assistant


async def create_set(
    *, session: AsyncSession, assistant_id: uuid.UUID, name: str, items: list[EvalItem]
) -> EvalSet:
    await ensure_assistant(session=session, assistant_id=assistant_id)
    eval_set = EvalSet(
        assistant_id=assistant_id,
        name=name,
        items=[item.model_dump(mode="json", exclude_none=True) for item in items],
        item_count=len(items),
    )
    session.add(eval_set)
    await session.flush()
    return eval_set


async def list_sets(*, session: AsyncSession, assistant_id: uuid.UUID) -> list[EvalSet]:
    await ensure_assistant(session=session, assistant_id=assistant_id)
    query = select(EvalSet).where(EvalSet.assistant_id == assistant_id).order_by(EvalSet.created_at.desc())
    return list(await session.scalars(query))


async def get_set(*, session: AsyncSession, set_id: uuid.UUID) -> EvalSet:
    eval_set = await session.get(EvalSet, set_id)
    if eval_set is None:
        raise NotFound("Evaluation set not found", code="eval_set_not_found")
    return eval_set


async def delete_set(*, session: AsyncSession, set_id: uuid.UUID) -> None:
    """The set and its runs (their results go with them)."""
    await session.delete(await get_set(session=session, set_id=set_id))


async def create_run(
    *, session: AsyncSession, eval_set: EvalSet, run_in: EvalRunCreate, user_id: uuid.UUID | None
) -> EvalRun:
    """A queued run; the caller enqueues its job in the same transaction (evaluation.tasks)."""
    total = min(eval_set.item_count, run_in.limit or eval_set.item_count)
    run = EvalRun(
        assistant_id=eval_set.assistant_id,
        set_id=eval_set.id,
        user_id=user_id,
        status=RunStatus.QUEUED,
        total=total,
        completed=0,
        failed_questions=0,
        settings={},
        metrics={},
    )
    session.add(run)
    await session.flush()
    return run


async def list_runs(
    *,
    session: AsyncSession,
    assistant_id: uuid.UUID,
    set_id: uuid.UUID | None,
    limit: int,
    offset: int,
    newest_first: bool = False,
) -> tuple[list[EvalRun], int]:
    """An assistant's runs, oldest first (the order of a chart over time) or newest first (the
    latest page of a long history), and how many there are."""
    await ensure_assistant(session=session, assistant_id=assistant_id)
    query = select(EvalRun).where(EvalRun.assistant_id == assistant_id)
    if set_id is not None:
        query = query.where(EvalRun.set_id == set_id)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = (
        (EvalRun.created_at.desc(), EvalRun.id.desc()) if newest_first else (EvalRun.created_at, EvalRun.id)
    )
    rows = await session.scalars(query.order_by(*order).limit(limit).offset(offset))
    return list(rows), total


async def get_run(*, session: AsyncSession, run_id: uuid.UUID) -> EvalRun:
    run = await session.get(EvalRun, run_id)
    if run is None:
        raise NotFound("Evaluation run not found", code="eval_run_not_found")
    return run


async def delete_run(*, session: AsyncSession, run_id: uuid.UUID) -> None:
    """A running run stops at its next question (the runner finds it gone)."""
    await session.delete(await get_run(session=session, run_id=run_id))


async def page_results(
    *, session: AsyncSession, run_id: uuid.UUID, errors_only: bool, limit: int, offset: int
) -> tuple[list[EvalResult], int]:
    await get_run(session=session, run_id=run_id)
    query = select(EvalResult).where(EvalResult.run_id == run_id)
    if errors_only:
        query = query.where(EvalResult.error.is_not(None))
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await session.scalars(query.order_by(EvalResult.position).limit(limit).offset(offset))
    return list(rows), total
