"""Where `askwell eval` runs a set: on a server through its API (with a token), or in this process.

Both speak the API's JSON (an EvalRunRead as a dict), so the command prints the same tables
whichever it uses.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

import httpx
from sqlalchemy import select

from askwell.assistants import service as assistant_service
from askwell.auth.models import Role, User
from askwell.errors import AskwellError, Invalid, NotFound
from askwell.evaluation import service
from askwell.evaluation.schemas import EvalRunCreate, EvalRunRead
from askwell.evaluation.sets import SetProblems, parse_set
from askwell.evaluation.tasks import enqueue_run
from askwell.runtime import Runtime

FINISHED = ("done", "failed")


class EvalBackend(Protocol):
    async def start(
        self, *, filename: str, content: bytes, assistant: str, limit: int | None
    ) -> dict[str, Any]: ...

    async def run(self, run_id: str) -> dict[str, Any]: ...


async def wait(backend: EvalBackend, run: dict[str, Any], *, poll_s: float = 0.5) -> dict[str, Any]:
    """The run once it has finished (done or failed)."""
    while run["status"] not in FINISHED:
        await asyncio.sleep(poll_s)
        run = await backend.run(str(run["id"]))
    return run


def _problems(exc: SetProblems) -> Invalid:
    lines = [f"line {p.line}, {p.field}: {p.message}" for p in exc.problems]
    return Invalid("the evaluation set has problems:\n  " + "\n  ".join(lines), code="invalid_eval_set")


class LocalBackend:
    """This process's database and job queue (the data folder of the settings)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def start(
        self, *, filename: str, content: bytes, assistant: str, limit: int | None
    ) -> dict[str, Any]:
        try:
            items = parse_set(content, filename)
        except SetProblems as exc:
            raise _problems(exc) from None
        jobs = self._runtime.jobs
        async with self._runtime.session_factory() as session:
            target = await _assistant(session, assistant)
            eval_set = await service.create_set(
                session=session, assistant_id=target.id, name=filename, items=items
            )
            # The turns are an admin's, as when an admin starts the run in the API.
            admin = await session.scalar(select(User).where(User.role == Role.ADMIN.value).limit(1))
            run = await service.create_run(
                session=session,
                eval_set=eval_set,
                run_in=EvalRunCreate(limit=limit),
                user_id=admin.id if admin else None,
            )
            job_id = await enqueue_run(jobs, session, run.id)
            await session.commit()
            read = EvalRunRead.of(run).model_dump(mode="json")
        await jobs.send([job_id])
        return read

    async def run(self, run_id: str) -> dict[str, Any]:
        async with self._runtime.session_factory() as session:
            run = await service.get_run(session=session, run_id=uuid.UUID(run_id))
            return EvalRunRead.of(run).model_dump(mode="json")


async def _assistant(session: Any, name_or_id: str) -> Any:
    try:
        return await assistant_service.get(session=session, assistant_id=uuid.UUID(name_or_id))
    except ValueError:
        found = await assistant_service.get_by_name(session=session, name=name_or_id)
    if found is None:
        raise NotFound(f"No assistant named {name_or_id!r}; see `askwell assistants list`")
    return found


class HttpBackend:
    """A running server, through the same API the web admin uses (an admin's token)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def start(
        self, *, filename: str, content: bytes, assistant: str, limit: int | None
    ) -> dict[str, Any]:
        assistant_id = await self._assistant_id(assistant)
        files = {"file": (filename, content, "application/octet-stream")}
        created = await self._call("POST", f"/api/v1/assistants/{assistant_id}/evaluation-sets", files=files)
        body = {"limit": limit} if limit else None
        return await self._call("POST", f"/api/v1/evaluation-sets/{created['id']}/runs", json=body)

    async def run(self, run_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/api/v1/evaluation-runs/{run_id}")

    async def _assistant_id(self, name_or_id: str) -> str:
        try:
            return str(uuid.UUID(name_or_id))
        except ValueError:
            pass
        assistants = await self._call("GET", "/api/v1/assistants")
        for assistant in assistants:
            if assistant["name"] == name_or_id:
                return str(assistant["id"])
        raise NotFound(f"The server has no assistant named {name_or_id!r}")

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AskwellError(f"Cannot reach the server ({type(exc).__name__}); check --server") from None
        if response.status_code >= 400:
            raise AskwellError(f"The server answered {response.status_code}: {_detail(response)}")
        return response.json()


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:500]
    if isinstance(detail, list):  # a refused set: one problem per line of the file
        return "\n  " + "\n  ".join(f"{p.get('field')}: {p.get('message')}" for p in detail)
    return str(detail)
