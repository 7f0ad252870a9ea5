"""SQL connector operations: the connection URL, the stored schema snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.models import Connector
from askwell.connectors.secrets import CredentialBox
from askwell.errors import Invalid
from askwell.redaction import remember_url
from askwell.sql.introspect import introspect


def connection_url(connector: Connector, box: CredentialBox) -> str:
    """The decrypted URL of a SQL connector (never returned by the API, never logged)."""
    if connector.type != "sql" or not connector.secret:
        raise Invalid("This connector has no database connection", code="wrong_connector_type")
    url = box.open(connector.secret)
    remember_url(url)  # this process may not have sealed it (a restart, a worker)
    return url


async def refresh_schema(
    *, session: AsyncSession, connector: Connector, box: CredentialBox
) -> dict[str, Any]:
    """Introspect the database read-only and store the snapshot; returns it (tables filtered by
    the allow-list when there is one)."""
    url = connection_url(connector, box)
    schema = await introspect(url)
    connector.config = {**connector.config, "schema": schema}
    await session.flush()
    return schema


def visible_tables(connector: Connector, schema: dict[str, Any]) -> list[str]:
    allowed = {t.lower() for t in connector.config.get("tables") or []}
    return [t["name"] for t in schema["tables"] if not allowed or t["name"].lower() in allowed]
