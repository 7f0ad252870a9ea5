"""Evaluation endpoints (admins): upload a set, start runs, read their metrics and questions."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.exceptions import RequestValidationError

from askwell.auth.deps import AdminUser
from askwell.deps import RuntimeDep, SessionDep
from askwell.evaluation import service
from askwell.evaluation.schemas import (
    EvalResultPage,
    EvalResultRead,
    EvalRunCreate,
    EvalRunRead,
    EvalSetRead,
)
from askwell.evaluation.sets import MAX_BYTES, SetProblems, parse_set
from askwell.evaluation.tasks import enqueue_run

router = APIRouter(tags=["evaluation"])


@router.post("/assistants/{assistant_id}/evaluation-sets", response_model=EvalSetRead, status_code=201)
async def upload_set(
    assistant_id: uuid.UUID,
    _admin: AdminUser,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="JSONL or CSV, one question a line")],
    name: Annotated[str | None, Form(max_length=200)] = None,
) -> object:
    """Upload an evaluation set (JSONL or CSV); every bad line is reported with its number."""
    content = await file.read(MAX_BYTES + 1)
    filename = file.filename or "set.jsonl"
    try:
        items = parse_set(content, filename)
    except SetProblems as exc:
        raise RequestValidationError(
            [
                {"loc": ("file", f"line {p.line}", p.field), "msg": p.message, "type": "invalid_eval_set"}
                for p in exc.problems
            ]
        ) from None
    eval_set = await service.create_set(
        session=session, assistant_id=assistant_id, name=name or filename, items=items
    )
    await session.commit()
    return eval_set


@router.get("/assistants/{assistant_id}/evaluation-sets", response_model=list[EvalSetRead])
async def list_sets(assistant_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """An assistant's evaluation sets, newest first."""
    return await service.list_sets(session=session, assistant_id=assistant_id)


@router.delete("/evaluation-sets/{set_id}", status_code=204)
async def delete_set(set_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> Response:
    """Delete an evaluation set with its runs."""
    await service.delete_set(session=session, set_id=set_id)
    await session.commit()
    return Response(status_code=204)


@router.post("/evaluation-sets/{set_id}/runs", response_model=EvalRunRead, status_code=202)
async def start_run(
    set_id: uuid.UUID,
    admin: AdminUser,
    session: SessionDep,
    runtime: RuntimeDep,
    run_in: EvalRunCreate | None = None,
) -> object:
    """Start a run of the set as a background job; poll the run for its progress."""
    eval_set = await service.get_set(session=session, set_id=set_id)
    run = await service.create_run(
        session=session, eval_set=eval_set, run_in=run_in or EvalRunCreate(), user_id=admin.id
    )
    job_id = await enqueue_run(runtime.jobs, session, run.id)
    await session.commit()
    await runtime.jobs.send([job_id])
    await session.refresh(run)
    return EvalRunRead.of(run)


@router.get("/assistants/{assistant_id}/evaluation-runs", response_model=list[EvalRunRead])
async def list_runs(
    assistant_id: uuid.UUID,
    _admin: AdminUser,
    session: SessionDep,
    response: Response,
    set_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    order: Literal["oldest", "newest"] = "oldest",
) -> object:
    """An assistant's runs with their metrics, oldest first (a table, a chart over time) or, with
    `order=newest`, newest first (the latest runs of a history longer than a page); X-Total-Count."""
    runs, total = await service.list_runs(
        session=session,
        assistant_id=assistant_id,
        set_id=set_id,
        limit=limit,
        offset=offset,
        newest_first=order == "newest",
    )
    response.headers["X-Total-Count"] = str(total)
    return [EvalRunRead.of(run) for run in runs]


@router.get("/evaluation-runs/{run_id}", response_model=EvalRunRead)
async def get_run(run_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """One run: status, progress, settings used and metrics."""
    return EvalRunRead.of(await service.get_run(session=session, run_id=run_id))


@router.get("/evaluation-runs/{run_id}/questions", response_model=EvalResultPage)
async def list_questions(
    run_id: uuid.UUID,
    _admin: AdminUser,
    session: SessionDep,
    errors_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EvalResultPage:
    """A run's questions in set order: retrieved per mode, answer, citations, SQL, scores."""
    rows, total = await service.page_results(
        session=session, run_id=run_id, errors_only=errors_only, limit=limit, offset=offset
    )
    items = [EvalResultRead.model_validate(row) for row in rows]
    return EvalResultPage(items=items, total=total, limit=limit, offset=offset)


@router.delete("/evaluation-runs/{run_id}", status_code=204)
async def delete_run(run_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> Response:
    """Delete a run and its questions (a running one stops)."""
    await service.delete_run(session=session, run_id=run_id)
    await session.commit()
    return Response(status_code=204)
