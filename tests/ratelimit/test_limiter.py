"""The limiter's pieces: the notation and its errors, the client IP behind proxies, the
moving window in memory and in Redis, and the Redis keys of an instance."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from askwell.errors import TooManyRequests
from askwell.ratelimit import Limit, RateLimiter, _instance_scope, client_ip, parse_limit
from askwell.settings import Settings
from tests.conftest import REDIS_URL, require_service


def test_limits_are_read_in_the_library_notation() -> None:
    assert [str(item) for item in parse_limit("30/minute")] == ["30 per 1 minute"]
    assert [(i.amount, i.get_expiry()) for i in parse_limit("5/minute; 100/hour")] == [(5, 60), (100, 3600)]
    assert [i.get_expiry() for i in parse_limit("5 per 10 minutes")] == [600]
    assert parse_limit("  ") == []


def test_a_bad_limit_stops_the_start_with_a_message_that_says_how_to_write_it() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(rate_limit_chat_user="30 per fortnight", _env_file=None)  # type: ignore[call-arg]
    message = str(caught.value)
    assert "rate_limit_chat_user" in message
    assert '"30 per fortnight" is not a rate limit' in message and '"30/minute"' in message


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=["10.0.0.0/8", " ::1"], _env_file=None).trusted_proxies == [  # type: ignore[call-arg]
        "10.0.0.0/8",
        "::1",
    ]
    with pytest.raises(ValidationError, match='"nginx" is not an IP address or network'):
        Settings(trusted_proxies=["nginx"], _env_file=None)  # type: ignore[call-arg]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKWELL_RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv("ASKWELL_RATE_LIMIT_LOGIN_IP", "3/second")
    monkeypatch.setenv("ASKWELL_TRUSTED_PROXIES", '["192.168.0.0/16"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not settings.rate_limits_enabled
    assert settings.rate_limit_login_ip == "3/second"
    assert settings.trusted_proxies == ["192.168.0.0/16"]


def _request(peer: str | None, *forwarded: str) -> Any:
    from starlette.requests import Request

    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request(
        {"type": "http", "headers": headers, "client": (peer, 1234) if peer else None, "method": "GET"}
    )


TRUSTED = ["127.0.0.1", "::1", "10.1.0.0/16"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", (), "203.0.113.5"),  # no proxy
        ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),  # an untrusted peer's header is ignored
        ("127.0.0.1", ("198.51.100.1",), "198.51.100.1"),  # nginx on the same host
        ("127.0.0.1", ("6.6.6.6, 198.51.100.1",), "198.51.100.1"),  # the client's own entry is ignored
        ("127.0.0.1", ("198.51.100.1, 10.1.2.3",), "198.51.100.1"),  # two proxies
        ("127.0.0.1", ("6.6.6.6", "198.51.100.1"), "198.51.100.1"),  # repeated headers join in order
        ("::1", ("2001:db8::7",), "2001:db8::7"),
        ("127.0.0.1", ("10.1.0.1, 10.1.0.2",), "10.1.0.1"),  # only proxies: the first one
        ("127.0.0.1", ("not-an-ip",), "127.0.0.1"),  # garbage counts as the proxy itself
        ("127.0.0.1", (), "127.0.0.1"),
        (None, ("198.51.100.1",), "unknown"),
    ],
)
def test_the_client_ip_behind_trusted_proxies(
    peer: str | None, forwarded: tuple[str, ...], expected: str
) -> None:
    assert client_ip(_request(peer, *forwarded), TRUSTED) == expected


def _limiter(storage: Any, **limits: str) -> RateLimiter:
    return RateLimiter(storage, {Limit(name): parse_limit(value) for name, value in limits.items()})


@pytest.fixture(params=["memory", "redis"])
async def storage(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        from limits.aio.storage import MemoryStorage

        yield MemoryStorage()
        return
    from limits.aio.storage import RedisStorage

    url = require_service(REDIS_URL, "Redis")
    store = RedisStorage(
        f"async+{url}", implementation="redispy", key_prefix=f"askwell:test:{uuid.uuid4().hex}"
    )
    yield store
    await store.bridge.storage.aclose()


async def test_the_window_trips_and_says_when_to_come_back(storage: Any) -> None:
    limiter = _limiter(storage, chat_user="2/minute;3/hour", login_ip="2 per 10 minutes")
    await limiter.hit(Limit.CHAT_USER, "u1")
    started = time.time()
    await limiter.hit(Limit.CHAT_USER, "u1")
    with pytest.raises(TooManyRequests) as caught:
        await limiter.hit(Limit.CHAT_USER, "u1")
    assert caught.value.status_code == 429 and caught.value.code == "rate_limited"
    assert 58 <= caught.value.retry_after_s <= 60 + (time.time() - started)
    assert caught.value.message == (
        f"Too many chat messages from this user: 2 per minute; try again in {caught.value.retry_after_s} s"
    )
    await limiter.hit(Limit.CHAT_USER, "u2")  # another key
    await limiter.hit(Limit.LOGIN_IP, "u1")  # another limit, same key
    await limiter.hit(Limit.LOGIN_IP, "u1")
    with pytest.raises(TooManyRequests, match=r"from this address: 2 per 10 minutes; try again in \d+ s"):
        await limiter.hit(Limit.LOGIN_IP, "u1")
    await limiter.hit(Limit.UPLOAD_USER, "u1")  # a limit with no setting here counts nothing


async def test_a_short_window_lets_the_caller_in_again(storage: Any) -> None:
    limiter = _limiter(storage, chat_ip="1/second")
    await limiter.hit(Limit.CHAT_IP, "a")
    with pytest.raises(TooManyRequests) as caught:
        await limiter.hit(Limit.CHAT_IP, "a")
    assert caught.value.retry_after_s == 1
    await asyncio.sleep(1.05)  # the storage's clock is the wall clock
    await limiter.hit(Limit.CHAT_IP, "a")


async def test_a_switched_off_limiter_counts_nothing() -> None:
    settings = Settings(rate_limits_enabled=False, rate_limit_chat_ip="1/minute", _env_file=None)  # type: ignore[call-arg]
    limiter = RateLimiter.from_settings(settings)
    assert not limiter.enabled
    for _ in range(3):
        await limiter.hit(Limit.CHAT_IP, "a")
    await limiter.aclose()


def test_each_instance_counts_in_its_own_redis_keys() -> None:
    one = _instance_scope("postgresql+asyncpg://app:old@db.internal:5432/askwell")
    assert one == _instance_scope("postgresql+asyncpg://app:rotated@db.internal:5432/askwell")
    assert one != _instance_scope("postgresql+asyncpg://app:old@db.internal:5432/staging")
    assert one != _instance_scope("sqlite+aiosqlite:////srv/askwell/data/askwell.db")


def test_the_limits_are_named_after_their_settings() -> None:
    fields = Settings.model_fields
    assert all(f"rate_limit_{limit}" in fields for limit in Limit)
