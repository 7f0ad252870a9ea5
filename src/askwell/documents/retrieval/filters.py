"""What a search may look at: one assistant, optionally some connectors or documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SearchFilter:
    assistant_id: uuid.UUID
    connector_ids: tuple[uuid.UUID, ...] = ()
    document_ids: tuple[uuid.UUID, ...] = ()

    def sql(self, alias: str) -> str:
        """A WHERE fragment over the chunks table aliased `alias`."""
        clauses = [f"{alias}.assistant_id = :assistant_id"]
        if self.connector_ids:
            clauses.append(f"{alias}.connector_id IN :connector_ids")
        if self.document_ids:
            clauses.append(f"{alias}.document_id IN :document_ids")
        return " AND ".join(clauses)

    def list_params(self) -> list[str]:
        return [
            name
            for name, ids in (("connector_ids", self.connector_ids), ("document_ids", self.document_ids))
            if ids
        ]

    def params(self, *, hex_ids: bool) -> dict[str, Any]:
        """Bind values; SQLite stores UUIDs as 32 hex characters, PostgreSQL natively."""

        def value(item: uuid.UUID) -> Any:
            return item.hex if hex_ids else item

        values: dict[str, Any] = {"assistant_id": value(self.assistant_id)}
        if self.connector_ids:
            values["connector_ids"] = [value(i) for i in self.connector_ids]
        if self.document_ids:
            values["document_ids"] = [value(i) for i in self.document_ids]
        return values

    def allows(self, *, document_id: uuid.UUID, connector_id: uuid.UUID) -> bool:
        return (not self.connector_ids or connector_id in self.connector_ids) and (
            not self.document_ids or document_id in self.document_ids
        )
