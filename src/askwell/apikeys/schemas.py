"""API keys on the wire: the secret leaves the server once, in ApiKeyCreated."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KeyAction(enum.StrEnum):
    """What a key may do: chat (native stream and /v1) and search."""

    CHAT = "chat"
    SEARCH = "search"


class ApiKeyBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    assistant_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    actions: list[KeyAction] = Field(min_length=1)
    expires_at: datetime | None = Field(default=None, description="After this instant the key is refused.")


class ApiKeyCreate(ApiKeyBase):
    model_config = ConfigDict(extra="forbid")

    @field_validator("expires_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        """An instant without a zone is read as UTC (it is compared with the server's clock)."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class ApiKeyUsage(BaseModel):
    requests: int
    prompt_tokens: int
    completion_tokens: int
    last_used_at: datetime | None


class ApiKeyRead(ApiKeyBase):
    id: uuid.UUID
    prefix: str = Field(description="The key's public part, ak_<prefix>_...: how to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None
    usage: ApiKeyUsage


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The whole key. Shown once: only a hash of it is stored.")
