"""SQL connector operations: test the connection and refresh the stored schema snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors import service as connector_service
from askwell.connectors.models import Connector
from askwell.connectors.secrets import CredentialBox
from askwell.sql.introspect import introspect


async def refresh_schema(
    *, session: AsyncSession, connector: Connector, box: CredentialBox
) -> dict[str, Any]:
    """Introspect the database read-only and store the snapshot; returns it (tables filtered by
    the allow-list when there is one)."""
    url = connector_service.connection_url(connector, box)
    schema = await introspect(url)
    connector.config = {**connector.config, "schema": schema}
    await session.flush()
    return schema


def visible_tables(connector: Connector, schema: dict[str, Any]) -> list[str]:
    allowed = {t.lower() for t in connector.config.get("tables") or []}
    return [t["name"] for t in schema["tables"] if not allowed or t["name"].lower() in allowed]
