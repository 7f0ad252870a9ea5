"""The SQL kind's admin action: test the connection and refresh the schema snapshot."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel

from askwell.auth.deps import AdminUser
from askwell.connectors import service as connector_service
from askwell.deps import RuntimeDep, SessionDep
from askwell.errors import AskwellError
from askwell.sql import service
from askwell.sql.tasks import enqueue_refresh

router = APIRouter(tags=["connectors"])


class ConnectionTest(BaseModel):
    ok: bool
    dialect: str | None = None
    tables: list[str] = []
    error: str | None = None


@router.post("/connectors/{connector_id}/test", response_model=ConnectionTest)
async def test_connection(
    connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep
) -> ConnectionTest:
    """Connect read-only, refresh the schema snapshot, and list the tables the assistant may use."""
    connector = await connector_service.get(session=session, connector_id=connector_id, type_="sql")
    try:
        schema = await service.refresh_schema(session=session, connector=connector, box=runtime.credentials)
    except AskwellError as exc:
        if exc.code == "invalid_url":
            raise  # the stored URL is wrong (a parameter the driver rejects): the admin must fix it
        return ConnectionTest(ok=False, dialect=connector.config.get("dialect"), error=exc.message)
    await session.commit()
    return ConnectionTest(
        ok=True, dialect=connector.config.get("dialect"), tables=service.visible_tables(connector, schema)
    )


class RefreshQueued(BaseModel):
    job_id: uuid.UUID | None  # None: a refresh of this connector is already queued or running


@router.post(
    "/connectors/{connector_id}/refresh", response_model=RefreshQueued, status_code=status.HTTP_202_ACCEPTED
)
async def refresh_snapshot(
    connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep
) -> RefreshQueued:
    """Take the schema snapshot again in the background (the database changed)."""
    await connector_service.get(session=session, connector_id=connector_id, type_="sql")
    job_id = await enqueue_refresh(runtime.jobs, session, connector_id)
    await session.commit()
    await runtime.jobs.send([job_id])
    return RefreshQueued(job_id=job_id)
