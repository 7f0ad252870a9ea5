"""Short-term conversation memory: the last turns fed to the model.

Two stores behind one protocol: in process (the embedded default) and Redis (shared by
every server process). Either may lose data at any time; the database is the durable
record, and each snapshot carries the session version it was built from so a stale or
missing snapshot is rebuilt from the database instead of being trusted.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class MemorySnapshot:
    version: int
    turns: list[dict[str, str]] = field(default_factory=list)  # [{"role", "content"}], oldest first


class MemoryStore(Protocol):
    async def load(self, session_id: str) -> MemorySnapshot | None: ...

    async def save(self, session_id: str, snapshot: MemorySnapshot) -> None: ...

    async def clear(self, session_id: str) -> None: ...

    async def close(self) -> None: ...


class InProcessMemory:
    """A bounded LRU of snapshots in this process."""

    def __init__(self, max_sessions: int) -> None:
        self._max = max_sessions
        self._data: OrderedDict[str, MemorySnapshot] = OrderedDict()

    async def load(self, session_id: str) -> MemorySnapshot | None:
        snapshot = self._data.get(session_id)
        if snapshot is not None:
            self._data.move_to_end(session_id)
        return snapshot

    async def save(self, session_id: str, snapshot: MemorySnapshot) -> None:
        self._data[session_id] = snapshot
        self._data.move_to_end(session_id)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def clear(self, session_id: str) -> None:
        self._data.pop(session_id, None)

    async def close(self) -> None:
        self._data.clear()


class RedisMemory:
    """Snapshots in Redis. An outage degrades to cache misses; it never fails a chat.

    After a failure the store stays away from Redis for `retry_after_s`, so an outage
    costs one timeout, not one per request.
    """

    _PREFIX = "askwell:memory:"

    def __init__(self, url: str, *, ttl_s: int, timeout_s: float, retry_after_s: float = 5.0) -> None:
        import redis.asyncio as redis

        self._client: Any = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=30,
        )
        self._ttl_s = ttl_s
        self._retry_after_s = retry_after_s
        self._down_until = 0.0

    async def load(self, session_id: str) -> MemorySnapshot | None:
        raw = await self._call("get", self._PREFIX + session_id)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return MemorySnapshot(version=int(data["version"]), turns=list(data["turns"]))
        except (ValueError, KeyError, TypeError):
            return None  # unreadable entry: rebuild from the database

    async def save(self, session_id: str, snapshot: MemorySnapshot) -> None:
        payload = json.dumps({"version": snapshot.version, "turns": snapshot.turns})
        await self._call("set", self._PREFIX + session_id, payload, ex=self._ttl_s)

    async def clear(self, session_id: str) -> None:
        await self._call("delete", self._PREFIX + session_id)

    async def close(self) -> None:
        await self._client.aclose()

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import redis.exceptions

        if not self.available:
            return None
        try:
            return await getattr(self._client, method)(*args, **kwargs)
        except (redis.exceptions.RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self._retry_after_s
            logger.warning(
                "Redis memory unavailable (%s); using the database for %.0f s",
                type(exc).__name__,
                self._retry_after_s,
            )
            return None


def create_memory_store(
    *, redis_url: str | None, max_sessions: int, ttl_s: int, timeout_s: float
) -> MemoryStore:
    if redis_url:
        return RedisMemory(redis_url, ttl_s=ttl_s, timeout_s=timeout_s)
    return InProcessMemory(max_sessions)
