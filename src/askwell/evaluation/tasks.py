"""The evaluation's background work: one job per run, on whichever job queue the server uses."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from askwell.db import utcnow
from askwell.evaluation.models import EvalRun, RunStatus
from askwell.evaluation.runner import run_evaluation
from askwell.jobs.base import JobContext, Task
from askwell.jobs.queue import JobQueue

if TYPE_CHECKING:
    from askwell.runtime import Runtime

RUN = "evaluation_run"


def evaluation_tasks(runtime: Runtime) -> dict[str, Task]:
    async def run(job: JobContext) -> None:
        await run_evaluation(runtime, uuid.UUID(job.payload["run_id"]))

    async def failed(job: JobContext, reason: str) -> None:
        async with runtime.session_factory() as session:
            eval_run = await session.get(EvalRun, uuid.UUID(job.payload["run_id"]))
            if eval_run is not None:
                eval_run.status, eval_run.error, eval_run.finished_at = RunStatus.FAILED, reason, utcnow()
                await session.commit()

    return {RUN: Task(run=run, on_failure=failed)}


async def enqueue_run(jobs: JobQueue, session: AsyncSession, run_id: uuid.UUID) -> uuid.UUID | None:
    return await jobs.enqueue(session, task=RUN, key=str(run_id), payload={"run_id": str(run_id)})
