"""The api_keys table: only a hash of each secret is kept, with its scope and usage."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class ApiKey(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(200))
    # The public part of the key (`ak_<prefix>_...`): how a key is found, and shown in lists.
    prefix: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    assistant_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # "server" (a secret kept on a server) or "widget" (public by nature: chat only, and only
    # from allowed_origins, checked against each request's Origin header).
    kind: Mapped[str] = mapped_column(String(16), default="server", server_default="server")
    allowed_origins: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class ApiKeySession(Base):
    """A chat session opened with a key: only that key may post to, read or reset it."""

    __tablename__ = "api_key_sessions"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
