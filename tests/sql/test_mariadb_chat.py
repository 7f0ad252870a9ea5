"""A MariaDB database as an assistant's data source: its schema snapshot (tables, columns,
foreign keys, sample values) and a data question answered from it through the chat stream."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from askwell.sql.introspect import introspect
from tests.conftest import chat, create_assistant, new_session_id
from tests.models import ANALYST
from tests.sql.conftest import MariaDB


@pytest.fixture
def backend() -> str:
    """Askwell's own database: SQLite here (the connector's database is the MariaDB one)."""
    return "sqlite"


async def test_the_snapshot_reads_tables_columns_keys_and_samples(maria: MariaDB) -> None:
    schema = await introspect(maria.reader_url)
    tables = {t["name"]: t for t in schema["tables"]}
    assert list(tables) == ["regions", "sales"]
    sales = {c["name"]: c for c in tables["sales"]["columns"]}
    assert list(sales) == ["id", "region_id", "amount", "sold_on", "sold_at", "payload", "note"]
    assert sales["id"]["pk"] and not sales["amount"]["pk"]
    assert sales["amount"]["type"] == "DECIMAL(10, 2)" and sales["sold_on"]["type"] == "DATE"
    assert tables["sales"]["foreign_keys"] == [
        {"columns": ["region_id"], "references": "regions", "ref_columns": ["id"]}
    ]
    regions = {c["name"]: c for c in tables["regions"]["columns"]}
    assert regions["name"]["samples"] == ["North", "South", "West"]  # a small lookup table
    assert "samples" not in sales["note"]  # free text


async def test_a_data_question_is_answered_from_mariadb(
    client: httpx.AsyncClient, admin_headers: dict[str, str], maria: MariaDB
) -> None:
    example = {
        "question": "What are total sales per region?",
        "sql": "SELECT r.name AS region, SUM(s.amount) AS total FROM sales s "
        "JOIN regions r ON r.id = s.region_id GROUP BY r.name ORDER BY r.name",
    }
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    body = {"type": "sql", "config": {"url": maria.reader_url, "examples": [example]}}
    created = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    connector: dict[str, Any] = created.json()
    assert connector["config"]["dialect"] == "mysql" and "url" not in connector["config"]
    tested = (await client.post(f"/api/v1/connectors/{connector['id']}/test", headers=admin_headers)).json()
    assert tested["ok"] and tested["tables"] == ["regions", "sales"]

    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="What are total sales per region?",
    )
    types = [e["type"] for e in events]
    assert "error" not in types and types[-1] == "done"
    sql = next(e for e in events if e["type"] == "sql")["sql"]
    assert "LIMIT" in sql.upper()  # the guard's, in MySQL syntax, ran on MariaDB
    table = next(e for e in events if e["type"] == "table")
    assert table["columns"] == ["region", "total"]
    assert table["rows"] == [["North", 206.25], ["South", 181.25], ["West", 193.75]]


async def test_a_connector_with_an_unsafe_account_fails_its_test_with_the_reason(
    client: httpx.AsyncClient, admin_headers: dict[str, str], maria: MariaDB
) -> None:
    """The server's admin (FILE, unconfined secure_file_priv) is refused with how to fix it."""
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    created = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "config": {"url": maria.admin_url}},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    tested = await client.post(f"/api/v1/connectors/{created.json()['id']}/test", headers=admin_headers)
    assert tested.status_code == 200
    result = tested.json()
    assert result["ok"] is False and "FILE privilege" in result["error"]
