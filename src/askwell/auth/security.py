"""Password hashing (argon2) and signed, expiring access tokens (JWT, HS256)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from askwell.db import utcnow
from askwell.settings import Settings

_hasher = PasswordHasher()
_ALGORITHM = "HS256"
_KEY_FILE = "secret_key"

# How an API key (askwell.apikeys) starts. It lives here, below both, so that the user
# dependencies can refuse a key on the endpoints that take users only.
API_KEY_MARK = "ak_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def signing_key(settings: Settings) -> str:
    """The configured key, else a random one generated once and kept in the data folder."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / _KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting together must agree on one key.
    try:
        with path.open("x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key


def create_access_token(user_id: uuid.UUID, *, key: str, minutes: int) -> tuple[str, int]:
    """A signed token for `user_id` and its lifetime in seconds."""
    now = utcnow()
    expires = now + timedelta(minutes=minutes)
    payload = {"sub": str(user_id), "iat": now, "exp": expires, "typ": "access"}
    return jwt.encode(payload, key, algorithm=_ALGORITHM), minutes * 60


def decode_access_token(token: str, *, key: str) -> uuid.UUID | None:
    """The user id a valid token names, or None for a malformed, forged or expired one."""
    try:
        payload = jwt.decode(token, key, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]})
        if payload.get("typ") != "access":
            return None
        return uuid.UUID(str(payload["sub"]))
    except (jwt.PyJWTError, ValueError):
        return None
