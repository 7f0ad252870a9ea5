"""Knowledge connectors of an assistant (admin only); each kind adds its own actions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from askwell.assistants import service as assistant_service
from askwell.auth.deps import AdminUser
from askwell.connectors import service
from askwell.connectors.schemas import ConnectorCreate, ConnectorRead, ConnectorUpdate
from askwell.deps import RuntimeDep, SessionDep

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
    """Add a knowledge connector (`documents`, `sql`, ...) to an assistant."""
    await assistant_service.get(session=session, assistant_id=assistant_id)
    connector = await service.create(
        session=session, assistant_id=assistant_id, connector_in=connector_in, kinds=runtime.kinds
    )
    after_commit = await service.after_save(session=session, connector=connector, kinds=runtime.kinds)
    await session.commit()
    if after_commit is not None:
        await after_commit()
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
        session=session, connector=connector, connector_in=connector_in, kinds=runtime.kinds
    )
    after_commit = await service.after_save(session=session, connector=connector, kinds=runtime.kinds)
    await session.commit()
    if after_commit is not None:
        await after_commit()
    return connector


@router.delete("/connectors/{connector_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_connector(
    connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Delete a connector with what it holds (documents and their chunks, a schema snapshot ...)."""
    connector = await service.get(session=session, connector_id=connector_id)
    after_commit = await service.delete(session=session, connector=connector, kinds=runtime.kinds)
    await session.commit()
    if after_commit is not None:
        await after_commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
