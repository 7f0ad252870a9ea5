"""Shared fixtures: every API test runs against SQLite + in-process memory and against
PostgreSQL (pgvector) + Redis when the test services are up (always in CI)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from askwell.app import create_app
from askwell.settings import Settings

PG_URL = os.environ.get("ASKWELL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("ASKWELL_TEST_REDIS_URL")
MYSQL_URL = os.environ.get("ASKWELL_TEST_MYSQL_URL")  # an admin account of a MariaDB/MySQL server
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

PASSWORD = "correct horse battery"
MODELS_DIR = Path(__file__).resolve().parents[1] / "data" / "models"  # where `make install` pulls models


def require_service(url: str | None, name: str) -> str:
    """The service URL, or skip (locally) / fail (in CI, where skipping would hide a gap)."""
    if url:
        return url
    message = f'{name} is not configured: run `eval "$(scripts/test-services.sh start)"`'
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"askwell_t_{uuid.uuid4().hex[:12]}"
    url = make_url(base_url)
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False), name


async def _drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg

    url = make_url(base_url)
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def mysql_admin(base_url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements as the MySQL/MariaDB admin account of `base_url` (autocommit); the rows
    of the last one."""
    import aiomysql

    url = make_url(base_url)
    conn = await aiomysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "",
        password=url.password or "",
        autocommit=True,
    )
    try:
        async with conn.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
            return list(await cursor.fetchall())
    finally:
        conn.close()


async def _create_mysql_database(base_url: str) -> tuple[str, str]:
    """A fresh MySQL/MariaDB database: (the admin's URL to it, its name)."""
    name = f"askwell_t_{uuid.uuid4().hex[:12]}"
    await mysql_admin(base_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


async def _drop_mysql_database(base_url: str, name: str) -> None:
    await mysql_admin(base_url, f"DROP DATABASE IF EXISTS `{name}`")


def default_model_file() -> Path:
    """The default local model's GGUF, or skip (locally) / fail (in CI) when it is not pulled."""
    from askwell.llm.catalogue import DEFAULT_LOCAL_MODEL, get_card
    from askwell.llm.model_files import model_path

    path = model_path(get_card(DEFAULT_LOCAL_MODEL), MODELS_DIR)
    return Path(require_service(str(path) if path.is_file() else None, f"The model file {path}"))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of the chosen kind."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'askwell.db'}"
        return
    base = require_service(PG_URL, "PostgreSQL")
    url, name = await _create_pg_database(base)
    try:
        yield url
    finally:
        await _drop_pg_database(base, name)


@pytest.fixture
def redis_url(backend: str) -> str | None:
    """Production pairs PostgreSQL with Redis; the embedded default uses in-process memory."""
    return require_service(REDIS_URL, "Redis") if backend == "postgres" else None


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str | None
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        # Test databases (Chinook, per-test files) live under pytest's temporary folders.
        sql_sqlite_allowed_dirs=[tmp_path / "data", tmp_path_factory.getbasetemp()],
        models_dir=MODELS_DIR,
        temperature=0.0,
        database_url=database_url,
        redis_url=redis_url,
        default_model="scripted:echo",
        function_models=True,  # the tests' own models: function:tests.models:...
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as http:
        yield http


# --- helpers the tests share -------------------------------------------------------------


async def register(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """The first account registered on an empty instance is the admin."""
    await register(client, "admin@example.org")
    return bearer(await login(client, "admin@example.org"))


@pytest.fixture
async def member_headers(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, str]:
    await register(client, "member@example.org")
    return bearer(await login(client, "member@example.org"))


async def create_assistant(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"name": f"assistant-{uuid.uuid4().hex[:8]}", **fields}
    response = await client.post("/api/v1/assistants", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_session_id() -> str:
    return f"s-{uuid.uuid4().hex}"


def parse_ndjson(body: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


async def chat(
    client: httpx.AsyncClient,
    *,
    assistant_id: str,
    session_id: str,
    message: str = "hello",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> list[dict[str, Any]]:
    """Post one message and return the parsed events (asserting a 200 NDJSON stream)."""
    response = await client.post(
        "/api/v1/chat/stream",
        json={"message": message, "assistant_id": assistant_id, "session_id": session_id, **extra},
        headers=headers or {},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return parse_ndjson(response.text)


def answer_text(events: list[dict[str, Any]]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "token")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_real_model_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests never reach a real model server unless a test points one at its own."""
    monkeypatch.delenv("ASKWELL_OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    yield
