"""Fixtures of the SQL tests: the Chinook demo database (built once per run), an assistant
answering from it, and a fresh MariaDB (or MySQL) database with its accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from askwell.sql.demo import (
    DEMO_DESCRIPTION,
    DEMO_DOCS,
    DEMO_EXAMPLES,
    build_chinook,
    download_fixture,
    find_fixture,
)
from askwell.sql.execute import dispose_engines
from tests.conftest import (
    MYSQL_URL,
    _create_mysql_database,
    _drop_mysql_database,
    create_assistant,
    mysql_admin,
    require_service,
)
from tests.models import ANALYST


@pytest.fixture(scope="session")
def chinook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chinook")
    fixture = find_fixture() or download_fixture(folder / "cache")
    return build_chinook(folder / "chinook.sqlite", fixture=fixture)


async def sql_assistant(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    *,
    model: str = ANALYST,
    assistant: dict[str, Any] | None = None,
    **config: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assistant (new, or the one given) with a tested SQL connector to `url`, with the
    Chinook demo's description, notes and examples."""
    assistant = assistant or await create_assistant(client, headers, model=model)
    body = {
        "type": "sql",
        "name": "Chinook",
        "config": {
            "url": url,
            "description": DEMO_DESCRIPTION,
            "docs": DEMO_DOCS,
            "examples": DEMO_EXAMPLES,
            **config,
        },
    }
    response = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=headers
    )
    assert response.status_code == 201, response.text
    connector = response.json()
    tested = await client.post(f"/api/v1/connectors/{connector['id']}/test", headers=headers)
    assert tested.status_code == 200 and tested.json()["ok"] is True, tested.text
    return assistant, connector


# --- MariaDB (or MySQL): a fresh database and two accounts per test --------------------------


@dataclass
class MariaDB:
    name: str
    admin_url: str  # the server's admin account (FILE included), on this database
    writer_url: str  # ALL PRIVILEGES on this database (no FILE): what a careless admin connects with
    reader_url: str  # SELECT on this database only
    admin_base: str  # the admin account's URL as configured (for mysql_admin)


_MARIA_SETUP = [
    "CREATE TABLE regions (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)",
    "INSERT INTO regions VALUES (1, 'North'), (2, 'South'), (3, 'West')",
    """CREATE TABLE sales (
        id INT PRIMARY KEY, region_id INT NOT NULL, amount DECIMAL(10, 2), sold_on DATE,
        sold_at DATETIME, payload VARBINARY(8), note VARCHAR(100),
        CONSTRAINT sales_region FOREIGN KEY (region_id) REFERENCES regions (id)
    )""",
    # a recursive CTE rather than MariaDB's seq_1_to_30: MySQL 8 runs it too
    """INSERT INTO sales
       WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 30)
       SELECT n, n % 3 + 1, n * 1.25, DATE '2024-01-01' + INTERVAL n DAY,
              TIMESTAMP '2024-01-01 12:00:00' + INTERVAL n HOUR, X'0102', CONCAT('note ', n)
       FROM g""",
]


@pytest.fixture
async def maria() -> AsyncIterator[MariaDB]:
    """A fresh database with `regions` (3 rows) and `sales` (30 rows, a foreign key to regions),
    a writer account and a reader account; all dropped afterwards."""
    base = require_service(MYSQL_URL, "MariaDB")
    admin_url, name = await _create_mysql_database(base)
    suffix = name.removeprefix("askwell_t_")
    writer, reader, password = f"w_{suffix}", f"r_{suffix}", f"Pw-{suffix}"
    parsed = make_url(admin_url)
    try:
        await mysql_admin(
            base,
            f"CREATE USER '{writer}'@'%' IDENTIFIED BY '{password}'",
            f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{writer}'@'%'",
            f"CREATE USER '{reader}'@'%' IDENTIFIED BY '{password}'",
            f"GRANT SELECT ON `{name}`.* TO '{reader}'@'%'",
            f"USE `{name}`",
            *_MARIA_SETUP,
        )

        def account(user: str) -> str:
            return parsed.set(username=user, password=password).render_as_string(hide_password=False)

        yield MariaDB(name, admin_url, account(writer), account(reader), base)
    finally:
        await dispose_engines()
        await mysql_admin(base, f"DROP USER IF EXISTS '{writer}'@'%'", f"DROP USER IF EXISTS '{reader}'@'%'")
        await _drop_mysql_database(base, name)
