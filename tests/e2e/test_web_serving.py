"""The web app is served at `/` with a single-page fallback, and never shadows `/api`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from askwell import web
from askwell.app import create_app
from askwell.settings import Settings

INDEX = "<!doctype html><title>Askwell</title><div id=root></div>"


@pytest.fixture
async def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    monkeypatch.setattr(web, "WEB_DIST", dist)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'askwell.db'}",
        default_model="scripted:echo",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as http:
            yield http


@pytest.mark.parametrize(
    "path", ["/", "/admin", "/admin/users", "/chat/abc/s-12345678", "/login?next=/admin"]
)
async def test_app_paths_get_the_index(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


async def test_files_are_served_and_hashed_assets_cached_for_good(client: httpx.AsyncClient) -> None:
    asset = await client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    assert (await client.get("/favicon.svg")).headers["cache-control"] == "no-cache"


async def test_a_missing_file_is_a_404_not_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/index-gone.js")
    assert response.status_code == 404
    assert "<div id=root>" not in response.text


@pytest.mark.parametrize(
    "path", ["/..%2Fdata%2Fsecret_key", "/assets/..%2F..%2Fdata%2Fsecret_key", "/%2e%2e/data/secret_key"]
)
async def test_nothing_outside_the_build_is_served(
    client: httpx.AsyncClient, tmp_path: Path, path: str
) -> None:
    secret = (tmp_path / "data" / "secret_key").read_text()
    response = await client.get(path)
    assert secret not in response.text
    assert response.status_code == 404 or response.text == INDEX


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/api", "/api/v1/nothing-here", "/api/v2/assistants", "/api/v1/admin"])
async def test_unknown_api_paths_are_json_404s(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "code": "not_found"}


async def test_a_known_api_path_with_another_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/chat/stream")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "POST" in response.headers["allow"]


async def test_the_api_still_answers(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/health")).json()["status"] == "ok"
    assert (await client.get("/api/v1/assistants")).json() == []
    assert (await client.get("/api/v1/openapi.json")).status_code == 200
    assert (await client.get("/api/v1/docs")).status_code == 200


def test_nothing_is_mounted_without_a_build(tmp_path: Path) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    assert web.mount_web_app(app, tmp_path) is False
    assert web.mount_web_app(app, tmp_path / "missing") is False


@pytest.mark.parametrize("path", ["/", "/assets/index-abc123.js", "/api/v1/health", "/api/v1/assistants"])
async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient, path: str) -> None:
    headers = (await client.get(path)).headers
    policy = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


async def test_the_api_docs_keep_their_scripts_but_not_framing(client: httpx.AsyncClient) -> None:
    headers = (await client.get("/api/v1/docs")).headers
    assert headers["content-security-policy"] == "frame-ancestors 'none'"
    assert headers["x-content-type-options"] == "nosniff"


def test_frame_ancestors_lists_the_embedding_origins_and_refuses_anything_else(tmp_path: Path) -> None:
    from askwell.web.security_headers import content_security_policy

    origins = ["https://intranet.example.com", "http://localhost:3000"]
    settings = Settings(data_dir=tmp_path, frame_ancestors=origins, _env_file=None)  # type: ignore[call-arg]
    assert "frame-ancestors https://intranet.example.com http://localhost:3000" in content_security_policy(
        settings.frame_ancestors
    )
    for hostile in ["https://a.example; script-src *", "*", "https://a.example 'unsafe-inline'"]:
        with pytest.raises(ValueError, match="frame_ancestors"):
            Settings(data_dir=tmp_path, frame_ancestors=[hostile], _env_file=None)  # type: ignore[call-arg]
