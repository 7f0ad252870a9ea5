"""The SQL route through the chat stream, on real SQLite (Chinook) and PostgreSQL databases."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.conftest import answer_text, chat, create_assistant, new_session_id
from tests.documents.helpers import documents_assistant, upload, wait_for_ingestion
from tests.models import (
    ANALYST,
    LITERAL_ANALYST,
    MISSPELLING_ANALYST,
    MISSTATING_ANALYST,
    RETRYING_ANALYST,
    STUCK_ANALYST,
)
from tests.sql.conftest import sql_assistant


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_connector_hides_credentials_and_lists_tables(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    url = f"sqlite:///{chinook}"
    assistant, connector = await sql_assistant(client, admin_headers, url, tables=["Invoice", "Customer"])
    assert "url" not in connector["config"] and connector["config"]["dialect"] == "sqlite"
    read = await client.get(f"/api/v1/connectors/{connector['id']}", headers=admin_headers)
    assert str(chinook) not in read.text
    tested = (await client.post(f"/api/v1/connectors/{connector['id']}/test", headers=admin_headers)).json()
    assert tested["tables"] == ["Customer", "Invoice"]  # the allow-list, not all 11
    broken = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "config": {"url": f"sqlite:///{chinook.parent / 'missing.db'}"}},
        headers=admin_headers,
    )
    result = (
        await client.post(f"/api/v1/connectors/{broken.json()['id']}/test", headers=admin_headers)
    ).json()
    assert result["ok"] is False and result["error"]
    bad = await client.post(
        f"/api/v1/assistants/{assistant['id']}/connectors",
        json={"type": "sql", "config": {"url": "oracle://x"}},
        headers=admin_headers,
    )
    assert bad.status_code == 422


async def test_data_question_streams_sql_table_chart_and_answer(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}")
    session_id = new_session_id()
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        message="What is the total revenue per country?",
    )
    types = [e["type"] for e in events]
    assert types[0] == "start" and types[-1] == "done" and "error" not in types
    assert types.index("sql") < types.index("table") < types.index("visualization") < types.index("token")

    roots = [
        e["label"] for e in events if e["type"] == "step" and e["status"] == "done" and not e["parent_id"]
    ]
    assert roots == [
        "Loading conversation",
        "Understanding the question",
        "Choosing documents or database",
        "Writing SQL",
        "Running the query",
        "Choosing a chart",
        "Answering",
    ]
    subs = [e["label"] for e in events if e["type"] == "step" and e["status"] == "done" and e["parent_id"]]
    assert subs == ["schema lookup", "generate", "validate"]

    sql = next(e for e in events if e["type"] == "sql")["sql"]
    assert "LIMIT" in sql.upper()  # the guard imposed one
    table = next(e for e in events if e["type"] == "table")
    assert table["columns"][0].lower() in ("country", "billingcountry") and table["row_count"] == 24
    assert all(isinstance(row[1], int | float) for row in table["rows"])
    viz = next(e for e in events if e["type"] == "visualization")["visualization"]
    assert viz["viz_type"] == "bar" and all(isinstance(v, int | float) for v in viz["series"][0]["data"])
    assert "The result has" in answer_text(events)

    bot = (await client.get(f"/api/v1/chat/{session_id}/history")).json()["messages"][-1]
    assert bot["sql"] == sql and bot["table"]["row_count"] == 24 and bot["visualization"]["viz_type"] == "bar"


async def test_requests_to_change_data_are_refused_and_nothing_runs(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    before = _checksum(chinook)
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}")
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="Delete all the invoices from 2009",
    )
    types = {e["type"] for e in events}
    assert "sql" not in types and "table" not in types
    assert "read-only" in answer_text(events)
    assert _checksum(chinook) == before


async def test_a_broken_query_is_retried_with_the_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", model=RETRYING_ANALYST)
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How many tracks are there in each genre?",
    )
    steps = [e for e in events if e["type"] == "step" and e["parent_id"] == "generate_sql"]
    final = {e["step_id"]: e for e in steps}
    assert final["validate_0"]["status"] == "error" and final["validate_0"]["metadata"]["error"]
    assert final["sql_1"]["label"] == "retry 1" and final["validate_1"]["status"] == "done"
    table = next(e for e in events if e["type"] == "table")
    assert table["row_count"] == 25


async def test_a_model_that_repeats_its_failed_query_is_asked_again_with_sampling(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", model=STUCK_ANALYST)
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How many tracks are there in each genre?",
    )
    steps = {e["step_id"]: e for e in events if e["type"] == "step"}
    tries = sorted(k for k in steps if k.startswith("sql_"))
    assert tries == ["sql_0", "sql_1", "sql_2"]  # a copy does not end it while a try is left
    assert steps["sql_1"]["metadata"]["diagnosis"] == "syntax"
    assert steps["validate_1"]["metadata"]["repeated"] is True
    assert steps["sql_2"]["metadata"]["temperature"] > 0  # greedy decoding would copy again
    assert events[-2]["type"] == "error" and events[-2]["code"] == "sql_failed"
    assert "No valid query after 3 tries" in events[-2]["message"]
    assert "could not parse" in events[-2]["message"]  # the copy's own error, not just "a copy"


async def test_a_column_one_letter_off_is_repaired_without_asking_the_model(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(
        client, admin_headers, f"sqlite:///{chinook}", model=MISSPELLING_ANALYST
    )
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How many tracks last longer than five minutes?",
    )
    steps = {e["step_id"]: e for e in events if e["type"] == "step"}
    assert steps["sql_1"]["label"] == "repair 1" and steps["sql_1"]["parent_id"] == "run"
    assert steps["sql_1"]["metadata"]["diagnosis"] == "unknown_column"
    assert steps["sql_1"]["metadata"]["repair"] == "Milisecond -> Milliseconds"
    sql = next(e for e in events if e["type"] == "sql")["sql"]
    assert "Milliseconds > 300000" in sql
    table = next(e for e in events if e["type"] == "table")
    with closing(sqlite3.connect(chinook)) as db:
        (expected,) = db.execute("SELECT COUNT(*) FROM Track WHERE Milliseconds > 300000").fetchone()
    assert table["rows"] == [[expected]]


async def test_no_rows_for_a_value_the_column_never_holds_is_retried_with_its_values(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", model=LITERAL_ANALYST)
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="Which employees are sales agents?",
    )
    steps = {e["step_id"]: e for e in events if e["type"] == "step"}
    assert steps["sql_1"]["metadata"]["diagnosis"] == "empty_result"
    assert "no rows" in steps["sql_1"]["metadata"]["after_error"]
    table = next(e for e in events if e["type"] == "table")
    assert table["row_count"] == 3 and "error" not in [e["type"] for e in events]


async def test_a_ranking_is_a_bar_chart_and_a_misstated_total_is_corrected(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(
        client, admin_headers, f"sqlite:///{chinook}", model=MISSTATING_ANALYST
    )
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="Which 5 genres have the most tracks?",
    )
    chart = next(e for e in events if e["type"] == "visualization")["visualization"]
    assert chart["viz_type"] == "bar"  # five of 25 genres: no pie
    rows = next(e for e in events if e["type"] == "table")["rows"]
    total = sum(count for _, count in rows)
    assert (
        answer_text(events)
        == f"The top genre is {rows[0][0]}. The five genres have a total of {total} tracks."
    )
    answer = next(
        e for e in events if e["type"] == "step" and e["step_id"] == "answer" and e["status"] == "done"
    )
    assert answer["metadata"]["corrected"] == [f"{rows[0][1]} -> {total} (the total, not one row)"]
    assert answer["metadata"]["figures"] == 1  # "five" is a word, not a figure


async def test_tables_outside_the_allow_list_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", tables=["Invoice"])
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How many tracks are there in each genre?",
    )
    assert [e["type"] for e in events][-2:] == ["error", "done"]
    assert events[-2]["code"] == "sql_failed"
    assert "table" not in {e["type"] for e in events}


async def test_questions_are_routed_between_documents_and_database(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    assistant, connector = await documents_assistant(client, admin_headers, model=ANALYST)
    await upload(
        client,
        admin_headers,
        connector["id"],
        [("policy.md", b"# Returns\n\nCustomers may return a purchase within 30 days for a refund.\n")],
    )
    await wait_for_ingestion(client, admin_headers, connector["id"])
    await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", assistant=assistant)

    data = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="What is the total revenue per country?",
    )
    route = next(e for e in data if e["type"] == "step" and e["step_id"] == "route" and e["status"] == "done")
    assert route["metadata"]["route"] == "sql" and route["metadata"]["reason"]
    assert "table" in {e["type"] for e in data}

    docs = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="How long is the refund window for returns?",
    )
    route = next(e for e in docs if e["type"] == "step" and e["step_id"] == "route" and e["status"] == "done")
    assert route["metadata"]["route"] == "documents"
    assert "sources" in {e["type"] for e in docs} and "sql" not in {e["type"] for e in docs}


async def test_postgres_database_through_the_stream(
    client: httpx.AsyncClient, admin_headers: dict[str, str], backend: str, database_url: str
) -> None:
    if backend != "postgres":
        pytest.skip("needs the PostgreSQL test server")
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        await conn.execute("CREATE TABLE sales (region text, amount numeric(10,2), sold_on date)")
        await conn.execute(
            "INSERT INTO sales VALUES ('North', 120.50, '2024-01-03'), ('South', 80.25, '2024-01-04'),"
            " ('North', 10.00, '2024-02-01')"
        )
    finally:
        await conn.close()
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    example = {
        "question": "What are total sales per region?",
        "sql": "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY region",
    }
    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    body = {"type": "sql", "config": {"url": plain, "examples": [example]}}
    connector = (
        await client.post(
            f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=admin_headers
        )
    ).json()
    tested = (await client.post(f"/api/v1/connectors/{connector['id']}/test", headers=admin_headers)).json()
    assert tested["ok"] and "sales" in tested["tables"]
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="What are total sales per region?",
    )
    table = next(e for e in events if e["type"] == "table")
    assert table["rows"] == [["North", 130.5], ["South", 80.25]]
    viz = next(e for e in events if e["type"] == "visualization")["visualization"]
    assert viz["viz_type"] in ("pie", "bar") and viz["series"] in (
        [130.5, 80.25],
        [{"name": "total", "data": [130.5, 80.25]}],
    )


async def test_a_write_the_intent_check_missed_ends_in_the_read_only_answer_not_an_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], chinook: Path
) -> None:
    before = _checksum(chinook)
    # Phrased so that no imperative or wish gives it away: only the model's SQL shows the write.
    question = "Old invoices from 2009 should be gone from the books"
    examples = [{"question": question, "sql": "DELETE FROM Invoice WHERE InvoiceDate < '2010-01-01'"}]
    assistant, _ = await sql_assistant(client, admin_headers, f"sqlite:///{chinook}", examples=examples)
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id(), message=question)
    types = [e["type"] for e in events]
    assert "error" not in types and "sql" not in types and "table" not in types
    assert "read-only" in answer_text(events)
    generate = next(
        e for e in events if e["type"] == "step" and e["step_id"] == "generate_sql" and e["status"] == "done"
    )
    assert generate["metadata"]["refused"] is True
    assert _checksum(chinook) == before
