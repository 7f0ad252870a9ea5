"""Chat sessions (bound to an assistant and a user) and their messages, the durable record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime, utcnow


class ChatSession(TimestampMixin, Base):
    __tablename__ = "chat_sessions"

    # Client-chosen id; binding it to an assistant and a user on first use is what makes
    # it safe to expose.
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every stored message and on reset: the memory cache is valid only for the
    # version it was built from, so a cache that missed writes during an outage is rebuilt.
    version: Mapped[int] = mapped_column(Integer, default=0)


class ChatMessage(IdMixin, TimestampMixin, Base):
    __tablename__ = "chat_messages"

    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text, default="")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)


class MessageFeedback(TimestampMixin, Base):
    """A thumbs up or down, with an optional comment, on one bot message (one per message).

    The session and assistant are repeated from the message so the admin view filters an
    assistant's feedback without joining through every message it ever stored.
    """

    __tablename__ = "message_feedback"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[str] = mapped_column(String(4))
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
