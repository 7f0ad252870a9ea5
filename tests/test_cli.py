"""The `askwell` console script, run as a real subprocess on a fresh data folder (SQLite)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from askwell.app import create_app
from askwell.settings import Settings

PASSWORD = "a long cli passphrase"


def _askwell_executable() -> str:
    """The installed console script of this interpreter's environment."""
    beside_python = Path(sys.executable).parent / "askwell"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("askwell")
    if found is None:
        pytest.fail("the `askwell` console script is not installed: pip install -e .")
    return found


def askwell(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `askwell ARGS` against `data_dir`, isolated from the caller's ASKWELL_* settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASKWELL_")}
    env |= {
        "ASKWELL_DATA_DIR": str(data_dir),
        "ASKWELL_NEW_USER_PASSWORD": PASSWORD,
        "ASKWELL_DEFAULT_MODEL": "scripted:echo",  # shown for assistants without their own model
    }
    return subprocess.run(
        [_askwell_executable(), *args],
        env=env,
        cwd=data_dir,  # no stray .env file is picked up
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_users_create_then_duplicate_fails_clearly(tmp_path: Path) -> None:
    created = askwell(tmp_path, "users", "create", "a@b.c", "--admin")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created admin a@b.c (")

    again = askwell(tmp_path, "users", "create", "A@B.C", "--admin")
    assert again.returncode == 1
    assert "error: A user with e-mail a@b.c already exists" in again.stderr
    assert "Traceback" not in again.stderr + again.stdout


def test_assistants_create_and_list(tmp_path: Path) -> None:
    empty = askwell(tmp_path, "assistants", "list")
    assert empty.returncode == 0, empty.stderr
    assert "no assistants yet" in empty.stdout

    created = askwell(tmp_path, "assistants", "create", "helpdesk", "--auth")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created assistant helpdesk (")
    assert askwell(tmp_path, "assistants", "create", "open-faq", "--model", "scripted:slow").returncode == 0

    listed = askwell(tmp_path, "assistants", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[1]: line for line in listed.stdout.splitlines()}
    assert set(rows) == {"helpdesk", "open-faq"}
    assert rows["helpdesk"].endswith("scripted:echo  login required")  # the configured default
    assert rows["open-faq"].endswith("scripted:slow  open")


def test_assistants_create_rejects_an_unknown_provider(tmp_path: Path) -> None:
    result = askwell(tmp_path, "assistants", "create", "broken", "--model", "foo:bar")
    assert result.returncode == 1
    assert "error: Unknown model provider 'foo'" in result.stderr
    assert "no assistants yet" in askwell(tmp_path, "assistants", "list").stdout


def test_migrate_reports_up_to_date(tmp_path: Path) -> None:
    for _ in range(2):  # on an empty folder, then again on a migrated database
        result = askwell(tmp_path, "migrate")
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    assert (tmp_path / "askwell.db").exists()


async def test_a_cli_created_admin_can_log_in(tmp_path: Path) -> None:
    assert askwell(tmp_path, "users", "create", "root@example.org", "--admin").returncode == 0

    settings = Settings(data_dir=tmp_path, database_url=None, redis_url=None, _env_file=None)  # type: ignore[call-arg]
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as client:
            response = await client.post(
                "/api/v1/auth/token", data={"username": "root@example.org", "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            token = response.json()["access_token"]
            me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200
            assert (me.json()["email"], me.json()["role"]) == ("root@example.org", "admin")
            # The admin role is real: user management is open to this account.
            users = await client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
            assert users.status_code == 200


def test_connectors_from_the_shell_for_any_kind(tmp_path: Path) -> None:
    assert askwell(tmp_path, "connectors", "kinds").stdout.split() == ["documents", "sql"]
    assert askwell(tmp_path, "assistants", "create", "shop").returncode == 0
    database = tmp_path / "shop.db"
    import sqlite3

    sqlite3.connect(database).execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)").connection.commit()
    added = askwell(
        tmp_path, "connectors", "add", "shop", "sql", "--config", f'{{"url": "sqlite:///{database}"}}'
    )
    assert added.returncode == 0 and "created sql connector Database" in added.stdout, added.stderr
    bad = askwell(tmp_path, "connectors", "add", "shop", "wiki")
    assert bad.returncode == 1 and "Unknown connector type 'wiki'" in bad.stderr
    broken = askwell(tmp_path, "connectors", "add", "shop", "sql", "--config", "{url")
    assert broken.returncode == 1 and "--config is not valid JSON" in broken.stderr
    listed = askwell(tmp_path, "connectors", "list", "shop").stdout
    assert " sql  Database" in listed


def test_a_worker_needs_the_redis_queue(tmp_path: Path) -> None:
    result = askwell(tmp_path, "worker")
    assert result.returncode == 1
    assert "ASKWELL_JOBS_BACKEND=redis" in result.stderr


def test_several_server_processes_need_postgresql(tmp_path: Path) -> None:
    result = askwell(tmp_path, "serve", "--workers", "2")
    assert result.returncode == 1
    assert "SQLite serves one process" in result.stderr
