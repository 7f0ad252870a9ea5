"""Connector CRUD. What a connector's config means is its kind's business (connectors.kinds)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.kinds import AfterCommit, KnowledgeKinds
from askwell.connectors.models import Connector
from askwell.connectors.schemas import ConnectorCreate, ConnectorUpdate
from askwell.errors import Invalid, NotFound


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
    *, session: AsyncSession, assistant_id: uuid.UUID, connector_in: ConnectorCreate, kinds: KnowledgeKinds
) -> Connector:
    kind = kinds.get(connector_in.type)
    sealed = kind.seal_config(connector_in.config, previous=None)
    connector = Connector(
        assistant_id=assistant_id,
        type=connector_in.type,
        secret=sealed.secret,
        config=sealed.config,
        name=connector_in.name or kind.title,
    )
    session.add(connector)
    await session.flush()
    return connector


async def update(
    *, session: AsyncSession, connector: Connector, connector_in: ConnectorUpdate, kinds: KnowledgeKinds
) -> Connector:
    if connector_in.name is not None:
        connector.name = connector_in.name
    if connector_in.config:
        sealed = kinds.get(connector.type).seal_config(connector_in.config, previous=connector)
        connector.config, connector.secret = sealed.config, sealed.secret
    await session.flush()
    return connector


async def after_save(
    *, session: AsyncSession, connector: Connector, kinds: KnowledgeKinds
) -> AfterCommit | None:
    """Let the connector's kind react to its creation or change (a schema snapshot job ...);
    returns what to do once the caller has committed."""
    return await kinds.get(connector.type).on_saved(session=session, connector=connector)


async def delete(*, session: AsyncSession, connector: Connector, kinds: KnowledgeKinds) -> AfterCommit | None:
    """Delete the connector (its documents and chunks go by cascade); returns what its kind
    must do once the deletion is committed (remove files, ...)."""
    after = await kinds.get(connector.type).on_delete(session=session, connector=connector)
    await session.delete(connector)
    await session.flush()
    return after
