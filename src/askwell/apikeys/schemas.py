"""API keys on the wire: the secret leaves the server once, in ApiKeyCreated."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# An exact origin as browsers send it in the Origin header: scheme, host, optional port,
# no path and no wildcard (a widget key is only as narrow as its list).
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class KeyAction(enum.StrEnum):
    """What a key may do: chat (native stream and /v1) and search."""

    CHAT = "chat"
    SEARCH = "search"


class KeyKind(enum.StrEnum):
    """server: a secret kept on a server. widget: public by nature (it sits in a web page),
    so it may only chat, only from its allowed_origins."""

    SERVER = "server"
    WIDGET = "widget"


class ApiKeyBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    assistant_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    actions: list[KeyAction] = Field(min_length=1)
    expires_at: datetime | None = Field(default=None, description="After this instant the key is refused.")
    kind: KeyKind = Field(default=KeyKind.SERVER, description="widget: for the embeddable chat widget.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="A widget key's origins (https://shop.example.com): requests from any other are refused.",
    )


class ApiKeyCreate(ApiKeyBase):
    model_config = ConfigDict(extra="forbid")

    @field_validator("expires_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        """An instant without a zone is read as UTC (it is compared with the server's clock)."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @field_validator("allowed_origins")
    @classmethod
    def _exact_origins(cls, value: list[str]) -> list[str]:
        origins = [v.strip().rstrip("/").lower() for v in value]
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin such as https://shop.example.com")
        return sorted(set(origins))

    @model_validator(mode="after")
    def _widget_rules(self) -> ApiKeyCreate:
        if self.kind is KeyKind.WIDGET:
            if not self.allowed_origins:
                raise ValueError("a widget key needs allowed_origins: the sites that embed the widget")
            if self.actions != [KeyAction.CHAT]:
                raise ValueError('a widget key is public: its actions must be exactly ["chat"]')
        elif self.allowed_origins:
            raise ValueError("allowed_origins applies to widget keys only (kind: widget)")
        return self


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
