"""Users and tokens on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from askwell.auth.models import Role


def _normalise_email(value: str) -> str:
    return value.strip().lower()


# A loose check on purpose: self-hosted users log in as admin@localhost or name@corp.internal,
# which strict deliverability validators reject.
Email = Annotated[
    str,
    Field(min_length=3, max_length=320, pattern=r"^\s*[^@\s]+@[^@\s]+\s*$"),
    AfterValidator(_normalise_email),
]


class UserBase(BaseModel):
    email: Email
    name: str = Field(default="", max_length=200)


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=256)
    role: Role = Role.MEMBER


class UserRegister(UserBase):
    password: str = Field(min_length=8, max_length=256)


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)


class UserRead(UserBase):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role: Role
    is_active: bool
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
