"""Memory stores: the in-process LRU and Redis, including Redis being unreachable."""

from __future__ import annotations

import time

import pytest

from askwell.chat.memory import InProcessMemory, MemorySnapshot, RedisMemory
from tests.conftest import REDIS_URL, require_service


async def test_in_process_memory_is_a_bounded_lru() -> None:
    memory = InProcessMemory(max_sessions=2)
    await memory.save("a", MemorySnapshot(version=1, turns=[{"role": "user", "content": "x"}]))
    await memory.save("b", MemorySnapshot(version=1))
    assert await memory.load("a") is not None  # touch a: b is now the oldest
    await memory.save("c", MemorySnapshot(version=1))
    assert await memory.load("b") is None
    assert (await memory.load("a")).turns == [{"role": "user", "content": "x"}]  # type: ignore[union-attr]
    await memory.clear("a")
    assert await memory.load("a") is None


async def test_redis_memory_round_trip() -> None:
    memory = RedisMemory(require_service(REDIS_URL, "Redis"), ttl_s=60, timeout_s=0.5)
    try:
        key = f"test-{time.time_ns()}"
        await memory.save(key, MemorySnapshot(version=3, turns=[{"role": "user", "content": "hé"}]))
        loaded = await memory.load(key)
        assert loaded is not None and loaded.version == 3 and loaded.turns[0]["content"] == "hé"
        await memory.clear(key)
        assert await memory.load(key) is None
    finally:
        await memory.close()


async def test_unreachable_redis_degrades_to_misses_quickly() -> None:
    pytest.importorskip("redis")
    # Nothing listens on this port: every call must come back empty, fast, without raising.
    memory = RedisMemory("redis://127.0.0.1:1/0", ttl_s=60, timeout_s=0.2, retry_after_s=30)
    try:
        started = time.perf_counter()
        assert await memory.load("s") is None
        await memory.save("s", MemorySnapshot(version=1))
        await memory.clear("s")
        for _ in range(50):
            assert await memory.load("s") is None  # skipped while marked down
        # 51 calls that each waited out the 0.2 s timeout would take over 10 s.
        assert time.perf_counter() - started < 8.0
        assert memory.available is False
    finally:
        await memory.close()
