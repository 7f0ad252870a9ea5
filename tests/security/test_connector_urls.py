"""Connection URLs are checked when a connector is created or changed, not when first used: a
URL that cannot work, or a SQLite file an admin must not point Askwell at, is a clear 422."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from askwell.settings import Settings
from tests.conftest import create_assistant

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def _create(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> httpx.Response:
    assistant = await create_assistant(client, headers)
    body = {"type": "sql", "config": {"url": url}}
    return await client.post(f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=headers)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("postgresql://%zz:%zz@/", "invalid_url"),
        ("postgresql://user@host:99999/db", "invalid_url"),
        ("not a url", "invalid_url"),
        ("oracle://scott@host/db", "unsupported_database"),
        ("postgresql+odbc://user@host/db", "unsupported_driver"),
        ("sqlite:///file:x?mode=rw", "sqlite_uri_not_allowed"),
        ("sqlite://", "invalid_url"),
        ("sqlite:///:memory:", "invalid_url"),
        ("sqlite://user@host/x.db", "invalid_url"),
        ("sqlite:////etc/passwd", "sqlite_path_not_allowed"),
    ],
)
async def test_a_bad_url_is_refused_at_creation_with_its_reason(
    client: httpx.AsyncClient, admin_headers: dict[str, str], url: str, code: str
) -> None:
    response = await _create(client, admin_headers, url)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code


async def test_sqlite_files_outside_the_allowed_folders_are_refused_even_through_a_link(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path, settings: Settings
) -> None:
    allowed = tmp_path / "shop.db"
    sqlite3.connect(allowed).close()
    assert (await _create(client, admin_headers, f"sqlite:///{allowed}")).status_code == 201
    with_query = await _create(client, admin_headers, f"sqlite:///{allowed}?mode=rw")
    assert with_query.json()["code"] == "sqlite_query_not_allowed"

    link = tmp_path / "innocent.db"
    link.symlink_to("/etc/hostname")
    assert (await _create(client, admin_headers, f"sqlite:///{link}")).json()[
        "code"
    ] == "sqlite_path_not_allowed"

    own = Path(settings.resolved_database_url.split("///", 1)[1])
    assert own.name == "askwell.db"
    for path in (own, Path(f"{own}-wal")):
        response = await _create(client, admin_headers, f"sqlite:///{path}")
        assert response.json()["code"] == "sqlite_own_database", response.text


async def test_changing_a_connectors_url_is_checked_too(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "shop.db"
    sqlite3.connect(database).close()
    created = await _create(client, admin_headers, f"sqlite:///{database}")
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/api/v1/connectors/{created.json()['id']}",
        json={"config": {"url": "sqlite:////etc/passwd"}},
        headers=admin_headers,
    )
    assert patched.status_code == 422 and patched.json()["code"] == "sqlite_path_not_allowed"
