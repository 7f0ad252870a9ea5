"""Credentials out of text: the one place every log line, error message, event and API error
goes through before anyone sees it.

Two nets, because neither is enough alone:

- patterns: a URL's `user:password@`, credential-named parameters (`?password=`,
  `sslpassword=`, `api_key=` ...) in query strings and DSN `key=value` text, and JSON-ish
  `"token": "..."` pairs;
- remembered secrets: the values those positions held in a connection URL Askwell sealed,
  opened or used (`remember_url`), so a driver that echoes the bare password is scrubbed too.

This module imports nothing of Askwell's: every room may use it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlsplit

MASK = "***"
MIN_REMEMBERED = 4  # a shorter value would blank ordinary words of a message
_MAX_REMEMBERED = 10_000

# A parameter holds a credential when its name ends with one of these words, once lowered
# and with "-" read as "_": `password`, `sslpassword`, `PGPASSWORD`, `access_token`,
# `x-api-key`, `client_secret` ... but not `max_tokens` or `token_type`.
_CREDENTIAL_NAME = re.compile(
    r"(?:pass|passwd|password|pwd|secret|token|api_?key|apikey|access_?key|private_?key|"
    r"secret_?key|credential|credentials|auth|authorization|sig|signature)$"
)
_VALUE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&;,'"<>(){}\[\]]+)"""
# name=value, in query strings (?a=b&c=d) and DSN text (host=x password=y)
_KEY_VALUE = re.compile(r"(?P<name>[A-Za-z_][\w.\-]*)(?P<sep>\s*=\s*)(?P<value>" + _VALUE + ")")
# "name": "value" / 'name': 'value' / "name": value (JSON, Python reprs, YAML-ish quoted keys)
_JSONISH = re.compile(
    r"""(?P<q>["'])(?P<name>[A-Za-z_][\w.\-]*)(?P=q)(?P<sep>\s*:\s*)(?P<value>"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,}\]]+))"""
)
# scheme://user:password@  (the password runs to the last "@" before a space)
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<password>[^\s@]*)(?=@)")

_URL_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S*$")

_remembered: set[str] = set()
_lock = threading.Lock()
_ordered: tuple[str, ...] = ()  # longest first, so a secret inside another goes with it


def is_credential_name(name: str) -> bool:
    """True when a parameter called `name` holds a credential (`sslpassword`, `api-key` ...)."""
    return bool(_CREDENTIAL_NAME.search(name.lower().replace("-", "_")))


def redact(text: str) -> str:
    """`text` with every credential it shows replaced by `***`."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(_mask_userinfo, text)
    text = _KEY_VALUE.sub(_mask_pair, text)
    return _JSONISH.sub(_mask_pair, text)


def redact_any(value: object) -> object:
    """`value` with the strings in it redacted (lists, tuples and dicts are walked)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_any(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_any(item) for item in value)
    return value


def remember(values: Iterable[str | None], *, visible: Iterable[str | None] = ()) -> None:
    """Scrub these values from all later text (and their percent-encoded forms).

    Values shorter than MIN_REMEMBERED are skipped, and so are those equal to a `visible`
    value (a host or database name the same URL shows openly): blanking those would hide
    what a message is about and protect nothing.
    """
    shown = {v for v in visible if v}
    found: set[str] = set()
    for value in values:
        if not value or value in shown:
            continue
        for form in (value, quote(value, safe=""), quote_plus(value, safe="")):
            if len(form) >= MIN_REMEMBERED:
                found.add(form)
    if found:
        _add(found)


def remember_url(url: str) -> None:
    """Remember the credentials a connection URL holds: its password and the values of its
    credential-named query parameters, raw and decoded."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return
    secrets: list[str] = []
    visible: list[str | None] = [parts.hostname, parts.path.lstrip("/") or None, parts.username]
    netloc = parts.netloc
    userinfo, at, _ = netloc.rpartition("@")
    if at and ":" in userinfo:
        raw = userinfo.split(":", 1)[1]
        secrets += [raw, unquote(raw)]
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if is_credential_name(name):
            secrets.append(value)  # parse_qsl decoded it
            secrets += [v for n, v in _raw_pairs(parts.query) if n == name]
        else:
            visible.append(value)
    remember(secrets, visible=visible)


def mask_url(url: str) -> str:
    """The URL with its password and credential parameters shown as `***`, for messages
    and logs; text that is no URL at all is not shown (it may be a password pasted wrongly)."""
    if not _URL_SHAPE.match(url.strip()):
        return "<invalid database URL>"
    remember_url(url)
    return redact(url)


def forget_all() -> None:
    """Forget every remembered secret (tests)."""
    global _ordered
    with _lock:
        _remembered.clear()
        _ordered = ()


# --- helpers -------------------------------------------------------------------------------


def _add(values: set[str]) -> None:
    global _ordered
    with _lock:
        new = values - _remembered
        if not new:
            return
        if len(_remembered) + len(new) > _MAX_REMEMBERED:
            # Bounded: a process that opened very many URLs keeps the newest ones'.
            _remembered.clear()
        _remembered.update(new)
        _ordered = tuple(sorted(_remembered, key=len, reverse=True))


def _raw_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in re.split(r"[&;]", query):
        name, eq, value = piece.partition("=")
        if eq and value:
            pairs.append((unquote_plus(name), value))
    return pairs


def _mask_userinfo(match: re.Match[str]) -> str:
    return match.group("head") + (MASK if match.group("password") else "")


def _mask_pair(match: re.Match[str]) -> str:
    if not is_credential_name(match.group("name")) or _is_mask(match.group("value")):
        return match.group(0)
    value = match.group("value")
    quote_char = value[0] if value[:1] in ("'", '"') else ""
    masked = f"{quote_char}{MASK}{quote_char}"
    return match.group(0)[: match.start("value") - match.start(0)] + masked


def _is_mask(value: str) -> bool:
    return value.strip("'\"") == MASK
