"""Rate limits: how many chats, uploads and logins a caller may send in a window.

The counting is the `limits` library's moving window (exact: a caller is let in again the
moment its oldest hit in the window expires, which is what Retry-After says). Counters
live in Redis when ASKWELL_REDIS_URL is set, so every API process shares them, and in
process memory otherwise. A limiter that cannot reach Redis lets requests through: rate
limiting protects the service and must never be the reason it is down.

The routers' dependencies (askwell.deps, askwell.auth.deps) choose the key of each limit:
a user id, a client IP, an assistant id, a submitted account name.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from limits import RateLimitItem, parse_many

from askwell.errors import TooManyRequests

if TYPE_CHECKING:
    from limits.aio.storage import Storage
    from starlette.requests import Request

    from askwell.settings import Settings

logger = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Limit(enum.StrEnum):
    """Each limit: its value names its setting (ASKWELL_RATE_LIMIT_<VALUE>)."""

    CHAT_USER = "chat_user"
    CHAT_IP = "chat_ip"
    CHAT_ASSISTANT = "chat_assistant"
    UPLOAD_USER = "upload_user"
    LOGIN_IP = "login_ip"
    LOGIN_ACCOUNT = "login_account"
    REGISTER_IP = "register_ip"
    API_KEY = "api_key"


_WHAT = {
    Limit.CHAT_USER: "Too many chat messages from this user",
    Limit.CHAT_IP: "Too many chat messages from this address",
    Limit.CHAT_ASSISTANT: "Too many chat messages to this assistant",
    Limit.UPLOAD_USER: "Too many uploads from this user",
    Limit.LOGIN_IP: "Too many login attempts from this address",
    Limit.LOGIN_ACCOUNT: "Too many login attempts for this account",
    Limit.REGISTER_IP: "Too many sign-ups from this address",
    Limit.API_KEY: "Too many requests with this API key",
}


def parse_limit(value: str) -> list[RateLimitItem]:
    """Rate limits in the `limits` notation ("30/minute", "5/minute;100/hour"); "" is none.

    Raises:
        ValueError: the text is not in that notation (the message shows how to write it).
    """
    text = value.strip()
    if not text:
        return []
    try:
        return parse_many(text)
    except ValueError:
        raise ValueError(
            f'"{value}" is not a rate limit: write a count per period such as "30/minute", '
            '"5 per 10 minutes" or several separated by ";" ("5/minute;100/hour"); "" turns it off'
        ) from None


def parse_networks(values: Sequence[str]) -> tuple[IPNetwork, ...]:
    """Addresses or networks ("127.0.0.1", "10.0.0.0/8", "::1").

    Raises:
        ValueError: an entry is neither (the message names it).
    """
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f'"{value}" is not an IP address or network (e.g. "10.0.0.0/8")') from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(values)


def _in(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Request, trusted_proxies: Sequence[str]) -> str:
    """The caller's address: the direct peer, or what a trusted proxy says in X-Forwarded-For.

    Each proxy appends the address it was reached from, so the list is read from the right
    and the first address that is not a trusted proxy is the client; anything to its left
    was written by the client itself and proves nothing.
    """
    peer = request.client.host if request.client else ""
    trusted = _trusted(tuple(trusted_proxies))
    forwarded = request.headers.getlist("x-forwarded-for")
    if not (forwarded and _in(peer, trusted)):
        return peer or "unknown"
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop if _is_ip(hop) else peer  # a garbled entry: count it as the proxy's
    return hops[0] if hops else peer  # every hop is a proxy: the first one is the origin


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _describe(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    if item.multiples == 1:
        return f"{item.amount} per {unit}"
    return f"{item.amount} per {item.multiples} {unit}s"


class RateLimiter:
    """Counts hits per (limit, key) and refuses the one over a limit with TooManyRequests.

    After a storage failure (Redis down or slow) it lets every request through for
    `retry_after_s` and logs one warning, so an outage costs one timeout, not one per request.
    """

    def __init__(
        self,
        storage: Storage | None,
        limits: dict[Limit, list[RateLimitItem]],
        *,
        retry_after_s: float = 5.0,
    ) -> None:
        from limits.aio.strategies import MovingWindowRateLimiter

        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage) if storage is not None else None
        self._limits = limits
        self._retry_after_s = retry_after_s
        self._down_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """Redis storage on ASKWELL_REDIS_URL, memory otherwise; no storage when switched off."""
        if not settings.rate_limits_enabled:
            return cls(None, {})
        limits = {limit: parse_limit(getattr(settings, f"rate_limit_{limit}")) for limit in Limit}
        return cls(_create_storage(settings), limits)

    @property
    def enabled(self) -> bool:
        return self._strategy is not None

    async def hit(self, limit: Limit, key: str) -> None:
        """Count one hit of `key` against `limit` (each of its windows).

        Raises:
            TooManyRequests: a window is full; it says which limit and when to retry.
        """
        items = self._limits.get(limit)
        if not items or self._strategy is None or time.monotonic() < self._down_until:
            return
        try:
            for item in items:
                if not await self._strategy.hit(item, limit.value, key):
                    stats = await self._strategy.get_window_stats(item, limit.value, key)
                    wait_s = max(1, math.ceil(stats.reset_time - time.time()))
                    raise TooManyRequests(
                        f"{_WHAT[limit]}: {_describe(item)}; try again in {wait_s} s", retry_after_s=wait_s
                    )
        except self._storage_errors as exc:
            self._down_until = time.monotonic() + self._retry_after_s
            logger.warning(
                "Rate limit storage unavailable (%s); requests pass unlimited for %.0f s",
                type(exc).__name__,
                self._retry_after_s,
            )

    @property
    def _storage_errors(self) -> tuple[type[BaseException], ...]:
        base = self._storage.base_exceptions if self._storage is not None else ()
        return (*(base if isinstance(base, tuple) else (base,)), OSError, TimeoutError)

    async def aclose(self) -> None:
        """Release the Redis connections (the memory storage holds none)."""
        client: Any = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()


def _create_storage(settings: Settings) -> Storage:
    if not settings.redis_url:
        from limits.aio.storage import MemoryStorage

        return MemoryStorage()
    from limits.aio.storage import RedisStorage

    return RedisStorage(
        f"async+{settings.redis_url}",
        implementation="redispy",  # the Redis client Askwell already has (askwell[redis])
        key_prefix=f"askwell:ratelimit:{_instance_scope(settings.resolved_database_url)}",
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
    )


def _instance_scope(database_url: str) -> str:
    """A short id of the instance's database, so instances sharing a Redis count apart.

    Built from where the database is, not from its credentials, so every process of one
    instance gets the same id even while a password is being rotated.
    """
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    return hashlib.sha256(where.encode()).hexdigest()[:12]
