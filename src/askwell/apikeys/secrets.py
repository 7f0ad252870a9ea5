"""The key format, `ak_<prefix>_<secret>`, and how a secret is checked against its hash.

The secret is 256 random bits, so a plain SHA-256 is enough to store it: a slow password
hash protects guessable secrets, and this one cannot be guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from askwell.auth.security import API_KEY_MARK


@dataclass(frozen=True, slots=True)
class NewSecret:
    key: str  # shown to the admin once
    prefix: str
    secret_hash: str


def generate() -> NewSecret:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewSecret(key=f"{API_KEY_MARK}{prefix}_{secret}", prefix=prefix, secret_hash=_hash(secret))


def split(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    if not key.startswith(API_KEY_MARK):
        return None
    prefix, sep, secret = key[len(API_KEY_MARK) :].partition("_")
    if not sep or len(prefix) != 12 or not secret or len(secret) > 128:
        return None
    return prefix, secret


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(_hash(secret), secret_hash)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
