"""A SQL connector's settings: the connection URL (write-only, sealed), an optional table
allow-list, and what helps the model write good SQL (description, docs, examples)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from askwell.connectors.secrets import CredentialBox
from askwell.errors import Invalid
from askwell.redaction import remember_url
from askwell.settings import Settings
from askwell.sql.urls import check_url


class SqlExample(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    sql: str = Field(min_length=1, max_length=20000)


class SqlConfigIn(BaseModel):
    """What an admin sends; `url` is required on creation and optional on update."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000, description="SQLAlchemy URL; never returned.")
    tables: list[str] | None = Field(default=None, description="Allow-list; null allows every table.")
    description: str = Field(default="", max_length=20000)
    docs: list[str] = Field(default_factory=list, max_length=200)
    examples: list[SqlExample] = Field(default_factory=list, max_length=200)


def parse_config(raw: dict[str, Any]) -> SqlConfigIn:
    try:
        return SqlConfigIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"config.{where}: {first['msg']}", code="invalid_config") from None


def seal_config(
    config_in: SqlConfigIn,
    box: CredentialBox,
    *,
    settings: Settings,
    previous: dict[str, Any] | None = None,
    previous_secret: str | None = None,
) -> tuple[dict[str, Any], str]:
    """(readable config, sealed URL); on update a missing url keeps the stored one, a new one
    is checked against what connectors may open (`urls.py`)."""
    if config_in.url is None and previous_secret is None:
        raise Invalid("config.url is required for a SQL connector", code="invalid_config")
    dialect = (previous or {}).get("dialect", "sqlite")
    if config_in.url is not None:
        # Before anything can fail or log: its credentials are scrubbed from all later text.
        remember_url(config_in.url)
        dialect = check_url(config_in.url, settings=settings)
    secret = box.seal(config_in.url) if config_in.url is not None else str(previous_secret)
    readable = config_in.model_dump(exclude={"url"})
    readable["dialect"] = dialect
    if previous and "schema" in previous and config_in.url is None:
        readable["schema"] = previous["schema"]  # same database: keep the introspected schema
    return readable, secret
