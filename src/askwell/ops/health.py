"""Readiness: can this process serve requests? Each dependency it needs, checked concurrently.

The database always; Redis when ASKWELL_REDIS_URL is set; the job queue when its back-end
can be pinged; the model server when the default chat model or the embedder is an
`openai:` one. Every check has its own time limit, so a probe never hangs on a dead host.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.settings import Settings

Check = Callable[[], Awaitable[None]]
# What an `openai:` model talks to when ASKWELL_OPENAI_BASE_URL is unset (the openai client's default).
_OPENAI_URL = "https://api.openai.com/v1"
_REASON_CHARS = 200


class NotReady(Exception):
    """A check's own verdict (an HTTP status), as opposed to an exception from the client."""


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" | "failed"
    failed: dict[str, str] = field(default_factory=dict)  # name -> why

    @property
    def ready(self) -> bool:
        return not self.failed

    def body(self) -> dict[str, Any]:
        if self.ready:
            return {"status": "ok", "checks": self.checks}
        return {"status": "unavailable", "failed": self.failed, "checks": self.checks}


async def readiness(*, settings: Settings, engine: AsyncEngine, jobs: object) -> Readiness:
    """Run every check that applies, each within ASKWELL_READY_TIMEOUT_S."""
    checks = checks_for(settings=settings, engine=engine, jobs=jobs)
    outcomes = await asyncio.gather(*(_bounded(check, settings.ready_timeout_s) for check in checks.values()))
    report = Readiness()
    for name, reason in zip(checks, outcomes, strict=True):
        report.checks[name] = "ok" if reason is None else "failed"
        if reason is not None:
            report.failed[name] = reason
    return report


def checks_for(*, settings: Settings, engine: AsyncEngine, jobs: object) -> dict[str, Check]:
    checks: dict[str, Check] = {"database": partial(_database, engine)}
    if settings.redis_url:
        checks["redis"] = partial(_redis, settings.redis_url, settings.ready_timeout_s)
    ping = getattr(jobs, "ping", None)
    if ping is not None and inspect.iscoroutinefunction(ping):  # back-ends without one: nothing to reach
        checks["job_queue"] = ping
    for name, url in _model_servers(settings).items():
        checks[name] = partial(_model_server, url, settings)
    return checks


async def _bounded(check: Check, timeout_s: float) -> str | None:
    """None when the check passed, else why it did not (one line, no longer than a sentence)."""
    try:
        async with asyncio.timeout(timeout_s):
            await check()
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except Exception as exc:  # any failure is an answer here: "not ready, because ..."
        message = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
        return reason[:_REASON_CHARS]
    return None


async def _database(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis(url: str, timeout_s: float) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        await client.ping()
    finally:
        await client.aclose()


def _model_servers(settings: Settings) -> dict[str, str]:
    """The OpenAI-compatible servers the default model and the embedder need, by check name."""
    chat = settings.openai_base_url or _OPENAI_URL
    servers: dict[str, str] = {}
    if settings.default_model.startswith("openai:"):
        servers["model_server"] = chat
    if settings.embedding_model.startswith("openai:"):
        embedding = settings.openai_embedding_base_url or chat
        if embedding not in servers.values():
            servers["embedding_server"] = embedding
    return servers


async def _model_server(base_url: str, settings: Settings) -> None:
    headers = {}
    if settings.openai_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.openai_api_key.get_secret_value()}"
    timeout = httpx.Timeout(settings.ready_timeout_s, connect=settings.openai_connect_timeout_s)
    async with httpx.AsyncClient(timeout=timeout) as http:
        response = await http.get(f"{base_url.rstrip('/')}/models", headers=headers)
    # 404/405: a server without the listing is still up; anything else 4xx/5xx is not serving.
    if response.status_code >= 400 and response.status_code not in (404, 405):
        raise NotReady(f"GET /models answered HTTP {response.status_code}")
