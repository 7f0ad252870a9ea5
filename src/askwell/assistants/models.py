"""The assistants table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin


class Assistant(IdMixin, TimestampMixin, Base):
    __tablename__ = "assistants"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    user_authentication: Mapped[bool] = mapped_column(Boolean, default=False)
    retrieval: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
