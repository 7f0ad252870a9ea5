"""Connector CRUD. Type-specific behaviour (documents, sql) lives in those domains."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.models import Connector
from askwell.connectors.schemas import ConnectorCreate, ConnectorUpdate
from askwell.connectors.secrets import CredentialBox
from askwell.errors import Invalid, NotFound
from askwell.sql.config import parse_config, seal_config

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
    *,
    session: AsyncSession,
    assistant_id: uuid.UUID,
    connector_in: ConnectorCreate,
    box: CredentialBox | None = None,
) -> Connector:
    config: dict[str, Any] = {}
    secret: str | None = None
    if connector_in.type == "sql":
        assert box is not None, "SQL connectors need the credential box"
        config, secret = seal_config(parse_config(connector_in.config), box)
    elif connector_in.config:
        raise Invalid("A documents connector takes no config", code="invalid_config")
    connector = Connector(
        assistant_id=assistant_id,
        type=connector_in.type,
        secret=secret,
        config=config,
        name=connector_in.name or _DEFAULT_NAMES[connector_in.type],
    )
    session.add(connector)
    await session.flush()
    return connector


async def update(
    *,
    session: AsyncSession,
    connector: Connector,
    connector_in: ConnectorUpdate,
    box: CredentialBox | None = None,
) -> Connector:
    if connector_in.name is not None:
        connector.name = connector_in.name
    if connector_in.config:
        if connector.type != "sql":
            raise Invalid(f"A {connector.type} connector takes no config", code="invalid_config")
        assert box is not None, "SQL connectors need the credential box"
        kept = {k: v for k, v in connector.config.items() if k not in ("dialect", "schema")}
        connector.config, connector.secret = seal_config(
            parse_config({**kept, **connector_in.config}),
            box,
            previous=connector.config,
            previous_secret=connector.secret,
        )
    await session.flush()
    return connector


def connection_url(connector: Connector, box: CredentialBox) -> str:
    """The decrypted URL of a SQL connector (never returned by the API, never logged)."""
    if connector.type != "sql" or not connector.secret:
        raise Invalid("This connector has no database connection", code="wrong_connector_type")
    return box.open(connector.secret)
