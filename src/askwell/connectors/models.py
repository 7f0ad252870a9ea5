"""Knowledge connectors: what an assistant knows (uploaded documents, a SQL database)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin


class Connector(IdMixin, TimestampMixin, Base):
    __tablename__ = "connectors"

    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(20))  # "documents" | "sql"
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # readable settings
    # Encrypted credentials (a SQL connector's URL); never returned by the API.
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
