"""/healthz and /readyz: what each checks, and that a dead dependency is a quick, named 503."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.db import create_engine
from askwell.ops import health
from askwell.settings import Settings
from tests.ops.conftest import serving
from tests.server import free_port

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _tcp_server(reply: Reply) -> AsyncIterator[str]:
    """A bare TCP server on 127.0.0.1 answering each connection with `reply`; yields its URL."""
    server = await asyncio.start_server(reply, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


async def _models_listing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    assert request.startswith(b"GET /v1/models ")
    body = b'{"object": "list", "data": []}'
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    writer.write(head % len(body) + body)
    await writer.drain()
    writer.close()


async def _never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    await asyncio.sleep(30)  # accepted, then silence: a hung model server


async def test_healthz_answers_without_touching_anything(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_checks_the_database_and_redis_when_configured(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"
    assert ("redis" in body["checks"]) == (settings.redis_url is not None)
    assert "model_server" not in body["checks"]  # the default model is not an openai: one


async def test_readyz_is_503_naming_the_database_when_it_is_unreachable(
    app: Any, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    dead = Settings(
        data_dir=tmp_path,
        database_url=f"postgresql+asyncpg://askwell@127.0.0.1:{free_port()}/askwell",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(dead.resolved_database_url)
    runtime = app.state.runtime
    app.state.runtime = dataclasses.replace(runtime, engine=engine)
    try:
        started = time.monotonic()
        response = await client.get("/readyz")
    finally:
        app.state.runtime = runtime
        await engine.dispose()
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "unavailable" and set(body["failed"]) == {"database"}
    assert body["failed"]["database"]  # the reason: the connection was refused
    assert body["checks"]["database"] == "failed"
    assert time.monotonic() - started < 5


async def test_readyz_is_503_when_redis_is_configured_but_down(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        default_model="scripted:echo",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        _env_file=None,  # type: ignore[call-arg]
    )
    async with serving(settings) as (_, http):
        response = await http.get("/readyz")
    assert response.status_code == 503, response.text
    body = response.json()
    assert set(body["failed"]) == {"redis"} and body["checks"]["database"] == "ok"
    assert "refused" in body["failed"]["redis"].lower() or "connect" in body["failed"]["redis"].lower()


async def test_readyz_asks_the_model_server_of_an_openai_default_model(tmp_path: Path) -> None:
    async with _tcp_server(_models_listing) as base_url:
        settings = Settings(
            data_dir=tmp_path,
            default_model="openai:some-model",
            openai_base_url=base_url,
            _env_file=None,  # type: ignore[call-arg]
        )
        async with serving(settings) as (_, http):
            response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["model_server"] == "ok"


async def test_a_hung_model_server_fails_readiness_within_the_time_limit(tmp_path: Path) -> None:
    async with _tcp_server(_never_answers) as base_url:
        settings = Settings(
            data_dir=tmp_path,
            default_model="scripted:echo",
            embedding_model="openai:some-embedder",
            openai_base_url=base_url,
            ready_timeout_s=0.5,
            _env_file=None,  # type: ignore[call-arg]
        )
        engine = create_engine(settings.resolved_database_url)
        try:
            started = time.monotonic()
            report = await health.readiness(settings=settings, engine=engine, jobs=None)
        finally:
            await engine.dispose()
    assert time.monotonic() - started < 2
    assert report.failed == {"embedding_server": "no answer within 0.5 s"}
    assert report.checks == {"database": "ok", "embedding_server": "failed"}


class _Queue:
    def __init__(self, error: Exception | None) -> None:
        self._error = error

    async def ping(self) -> None:
        if self._error is not None:
            raise self._error


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (object(), None),  # a queue without ping: nothing to check
        (_Queue(None), "ok"),
        (_Queue(ConnectionError("stream unreachable")), "failed"),
    ],
)
async def test_the_job_queue_is_checked_when_it_can_be_pinged(
    tmp_path: Path, jobs: object, expected: str | None
) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    engine = create_engine(settings.resolved_database_url)
    try:
        report = await health.readiness(settings=settings, engine=engine, jobs=jobs)
    finally:
        await engine.dispose()
    assert report.checks.get("job_queue") == expected
    if expected == "failed":
        assert report.failed == {"job_queue": "ConnectionError: stream unreachable"}
        assert report.body()["status"] == "unavailable"
