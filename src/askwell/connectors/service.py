"""Connector CRUD. Type-specific behaviour (documents, sql) lives in those domains."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.models import Connector
from askwell.connectors.schemas import ConnectorCreate, ConnectorUpdate
from askwell.errors import Invalid, NotFound

_DEFAULT_NAMES = {"documents": "Documents", "sql": "Database"}


async def get(*, session: AsyncSession, connector_id: uuid.UUID, type_: str | None = None) -> Connector:
    connector = await session.get(Connector, connector_id)
    if connector is None:
        raise NotFound("Connector not found", code="connector_not_found")
    if type_ is not None and connector.type != type_:
        raise Invalid(
            f"This is a {connector.type} connector; this action needs a {type_} connector",
            code="wrong_connector_type",
        )
    return connector


async def list_for_assistant(
    *, session: AsyncSession, assistant_id: uuid.UUID, type_: str | None = None
) -> list[Connector]:
    query = select(Connector).where(Connector.assistant_id == assistant_id)
    if type_ is not None:
        query = query.where(Connector.type == type_)
    return list(await session.scalars(query.order_by(Connector.created_at)))


async def create(
    *, session: AsyncSession, assistant_id: uuid.UUID, connector_in: ConnectorCreate
) -> Connector:
    if connector_in.type == "sql":
        raise Invalid("SQL connectors are not available yet", code="unsupported_connector")
    if connector_in.config:
        raise Invalid("A documents connector takes no config", code="invalid_config")
    connector = Connector(
        assistant_id=assistant_id,
        type=connector_in.type,
        name=connector_in.name or _DEFAULT_NAMES[connector_in.type],
        config={},
    )
    session.add(connector)
    await session.flush()
    return connector


async def update(*, session: AsyncSession, connector: Connector, connector_in: ConnectorUpdate) -> Connector:
    if connector_in.name is not None:
        connector.name = connector_in.name
    if connector_in.config:
        raise Invalid(f"A {connector.type} connector takes no config", code="invalid_config")
    await session.flush()
    return connector
