"""Knowledge connectors of an assistant (admin only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from askwell.assistants import service as assistant_service
from askwell.connectors import service
from askwell.connectors.schemas import ConnectorCreate, ConnectorRead, ConnectorUpdate
from askwell.deps import AdminUser, RuntimeDep, SessionDep
from askwell.documents import service as document_service
from askwell.errors import AskwellError
from askwell.sql import service as sql_service

router = APIRouter(tags=["connectors"])


@router.get("/assistants/{assistant_id}/connectors", response_model=list[ConnectorRead])
async def list_connectors(assistant_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """An assistant's knowledge connectors."""
    await assistant_service.get(session=session, assistant_id=assistant_id)
    return await service.list_for_assistant(session=session, assistant_id=assistant_id)


@router.post(
    "/assistants/{assistant_id}/connectors", response_model=ConnectorRead, status_code=status.HTTP_201_CREATED
)
async def create_connector(
    assistant_id: uuid.UUID,
    connector_in: ConnectorCreate,
    _admin: AdminUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> object:
    """Add a knowledge connector (`documents` or `sql`) to an assistant."""
    await assistant_service.get(session=session, assistant_id=assistant_id)
    connector = await service.create(
        session=session, assistant_id=assistant_id, connector_in=connector_in, box=runtime.credentials
    )
    await session.commit()
    return connector


@router.get("/connectors/{connector_id}", response_model=ConnectorRead)
async def read_connector(connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """One connector (credentials are never returned)."""
    return await service.get(session=session, connector_id=connector_id)


@router.patch("/connectors/{connector_id}", response_model=ConnectorRead)
async def update_connector(
    connector_id: uuid.UUID,
    connector_in: ConnectorUpdate,
    _admin: AdminUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> object:
    """Rename or reconfigure a connector."""
    connector = await service.get(session=session, connector_id=connector_id)
    connector = await service.update(
        session=session, connector=connector, connector_in=connector_in, box=runtime.credentials
    )
    await session.commit()
    return connector


@router.delete("/connectors/{connector_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_connector(
    connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Delete a connector with its documents and their chunks."""
    connector = await service.get(session=session, connector_id=connector_id)
    documents = await document_service.list_for_connector(session=session, connector_id=connector_id)
    await session.delete(connector)
    await session.commit()
    await document_service.remove_files(
        uploads_dir=runtime.uploads_dir, document_ids=[d.id for d in documents]
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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
    connector = await service.get(session=session, connector_id=connector_id, type_="sql")
    try:
        schema = await sql_service.refresh_schema(
            session=session, connector=connector, box=runtime.credentials
        )
    except AskwellError as exc:
        return ConnectionTest(ok=False, dialect=connector.config.get("dialect"), error=exc.message)
    await session.commit()
    return ConnectionTest(
        ok=True, dialect=connector.config.get("dialect"), tables=sql_service.visible_tables(connector, schema)
    )
