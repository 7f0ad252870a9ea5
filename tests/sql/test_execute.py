"""Running queries read-only on real SQLite and PostgreSQL databases (MySQL/MariaDB: the
statements and connection set-up here, a real MariaDB server in test_mariadb.py)."""

from __future__ import annotations

import hashlib
import math
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from askwell.errors import Invalid, Unavailable
from askwell.sql.execute import (
    backend_of,
    dispose_engines,
    list_tables,
    mask_url,
    mysql_connect_kwargs,
    mysql_connection,
    read_only_engine,
    run_read_only,
    session_statements,
    sqlite_read_only_uri,
)
from askwell.sql.guard import guard
from askwell.sql.jsonsafe import row_to_jsonable, to_jsonable
from askwell.sql.readonly.mysql import files_unconfined, is_mariadb, session_init
from tests.conftest import PG_URL, _create_pg_database, _drop_pg_database, require_service


@pytest.fixture(autouse=True)
async def _forget_engines() -> AsyncIterator[None]:
    yield
    await dispose_engines()


# --- JSON safety ---------------------------------------------------------------------------


def test_values_become_json_safe() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    row = [
        date(2024, 2, 29),
        datetime(2024, 2, 29, 13, 5, tzinfo=UTC),
        dtime(8, 30),
        Decimal("12.00"),
        Decimal("12.50"),
        Decimal("NaN"),
        b"\x00\x01\x02",
        memoryview(b"abcd"),
        ident,
        math.nan,
        math.inf,
        1.5,
        True,
        7,
        "text",
        None,
        [Decimal("1"), date(2020, 1, 1)],
        {"a": Decimal("2.5")},
        Path("/x"),
    ]
    assert row_to_jsonable(row) == [
        "2024-02-29",
        "2024-02-29T13:05:00+00:00",
        "08:30:00",
        12,
        12.5,
        None,
        "<3 bytes>",
        "<4 bytes>",
        "12345678-1234-5678-1234-567812345678",
        None,
        None,
        1.5,
        True,
        7,
        "text",
        None,
        [1, "2020-01-01"],
        {"a": 2.5},
        "/x",
    ]
    assert to_jsonable(True) is True  # bool stays bool, not 1
    assert to_jsonable(Decimal("1E+400")) is None  # beyond float: no Infinity in JSON
    assert isinstance(to_jsonable(Decimal("123456789012345678901234567890123")), float)


# --- SQLite --------------------------------------------------------------------------------


def _make_db(path: Path, rows: int = 50) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount NUMERIC, sold_on DATE, blob BLOB);
        CREATE VIEW big_sales AS SELECT * FROM sales WHERE amount > 10;
        """
    )
    db.executemany(
        "INSERT INTO sales (region, amount, sold_on, blob) VALUES (?, ?, ?, ?)",
        [(f"r{i % 3}", i * 0.5, f"2024-01-{i % 28 + 1:02d}", b"\x00" * i) for i in range(rows)],
    )
    db.commit()
    db.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    _make_db(path)
    return path


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def test_sqlite_rows_columns_and_json_safe_values(sqlite_db: Path) -> None:
    result = await run_read_only(
        _sqlite_url(sqlite_db),
        "SELECT id, region, amount, sold_on, blob FROM sales WHERE id <= 3 ORDER BY id",
        timeout_s=5,
        max_rows=100,
    )
    assert result.columns == ["id", "region", "amount", "sold_on", "blob"]
    assert result.rows == [
        [1, "r0", 0, "2024-01-01", "<0 bytes>"],
        [2, "r1", 0.5, "2024-01-02", "<1 bytes>"],
        [3, "r2", 1, "2024-01-03", "<2 bytes>"],
    ]
    assert (result.row_count, result.truncated) == (3, False)
    assert result.elapsed_ms > 0


@pytest.mark.parametrize(
    ("max_rows", "count", "truncated"), [(10, 10, True), (49, 49, True), (50, 50, False)]
)
async def test_sqlite_truncation_flag(sqlite_db: Path, max_rows: int, count: int, truncated: bool) -> None:
    result = await run_read_only(
        _sqlite_url(sqlite_db), "SELECT * FROM sales", timeout_s=5, max_rows=max_rows
    )
    assert (result.row_count, result.truncated, len(result.rows)) == (count, truncated, count)


async def test_guard_and_run_together_report_a_cut_result(sqlite_db: Path) -> None:
    """The guard's LIMIT is max_rows + 1, so `truncated` is exact: cut at 10 of 50, and not
    cut when exactly max_rows rows exist."""
    for max_rows, truncated in ((10, True), (50, False)):
        guarded = guard(
            "SELECT * FROM sales",
            dialect="sqlite",
            allowed_tables=None,
            known_tables=["sales"],
            max_rows=max_rows,
        )
        result = await run_read_only(_sqlite_url(sqlite_db), guarded.sql, timeout_s=5, max_rows=max_rows)
        assert (result.row_count, result.truncated) == (max_rows, truncated)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM sales",
        "UPDATE sales SET amount = 0",
        "INSERT INTO sales (region) VALUES ('x')",
        "REPLACE INTO sales (id, region) VALUES (1, 'x')",
        "DROP TABLE sales",
        "CREATE TABLE t (a)",
        "ALTER TABLE sales ADD COLUMN x",
        "CREATE INDEX i ON sales (region)",
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA user_version = 7",
        "ATTACH DATABASE ':memory:' AS other",
        "VACUUM",
        "BEGIN IMMEDIATE",
        "SELECT 1; DELETE FROM sales",
        "WITH d AS (DELETE FROM sales RETURNING *) SELECT * FROM d",
        "SELECT zeroblob(1000000000)",
        "SELECT load_extension('x')",
    ],
)
async def test_sqlite_connection_refuses_writes_on_its_own(sqlite_db: Path, sql: str) -> None:
    """Guard bypassed: mode=ro, query_only and the authorizer refuse every write."""
    before = _sha256(sqlite_db)
    with pytest.raises(Invalid) as refused:
        await run_read_only(_sqlite_url(sqlite_db), sql, timeout_s=5, max_rows=10)
    assert refused.value.code == "sql_error"
    assert refused.value.message.startswith("the database refused the query:")
    assert _sha256(sqlite_db) == before


async def test_sqlite_vacuum_into_writes_no_file(sqlite_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    with pytest.raises(Invalid):
        await run_read_only(_sqlite_url(sqlite_db), f"VACUUM INTO '{target}'", timeout_s=5, max_rows=1)
    assert not target.exists()


async def test_sqlite_timeout_stops_an_endless_recursive_cte(sqlite_db: Path) -> None:
    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    started = time.perf_counter()
    with pytest.raises(Invalid) as stopped:
        await run_read_only(_sqlite_url(sqlite_db), sql, timeout_s=1, max_rows=10)
    elapsed = time.perf_counter() - started
    assert stopped.value.code == "sql_timeout"
    # Stopped by the timeout, not before it; the query itself would never end.
    assert 0.9 < elapsed < 30
    # the next query on the same file runs normally
    result = await run_read_only(
        _sqlite_url(sqlite_db), "SELECT count(*) FROM sales", timeout_s=5, max_rows=1
    )
    assert result.rows == [[50]]


async def test_the_imposed_limit_ends_an_endless_recursion(sqlite_db: Path) -> None:
    guarded = guard(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c",
        dialect="sqlite",
        allowed_tables=None,
        known_tables=["sales"],
        max_rows=100,
    )
    result = await run_read_only(_sqlite_url(sqlite_db), guarded.sql, timeout_s=5, max_rows=100)
    assert (result.row_count, result.truncated, result.rows[-1]) == (100, True, [100])


async def test_sqlite_missing_file_is_unavailable_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(Unavailable) as failed:
        await run_read_only(_sqlite_url(path), "SELECT 1", timeout_s=2, max_rows=1)
    assert failed.value.code == "sql_unavailable"
    assert not path.exists()


async def test_sqlite_database_error_is_fed_back(sqlite_db: Path) -> None:
    with pytest.raises(Invalid) as refused:
        await run_read_only(_sqlite_url(sqlite_db), "SELECT nope FROM sales", timeout_s=5, max_rows=1)
    assert refused.value.code == "sql_error"
    assert "no such column: nope" in refused.value.message


async def test_sqlite_list_tables_and_inspection(sqlite_db: Path) -> None:
    url = _sqlite_url(sqlite_db)
    assert await list_tables(url) == ["big_sales", "sales"]
    # SQLAlchemy's inspector (schema introspection) works through the read-only engine
    async with read_only_engine(url).connect() as conn:
        names, columns = await conn.run_sync(
            lambda sync: (inspect(sync).get_table_names(), inspect(sync).get_columns("sales"))
        )
    assert names == ["sales"]
    assert [c["name"] for c in columns] == ["id", "region", "amount", "sold_on", "blob"]


def test_sqlite_uri_is_read_only_and_escaped() -> None:
    assert sqlite_read_only_uri("/data/my db?.sqlite") == "file:///data/my%20db%3F.sqlite?mode=ro"


# --- PostgreSQL ----------------------------------------------------------------------------


_PG_SETUP = """
CREATE TABLE sales (
    id int PRIMARY KEY, region text, amount numeric(10, 2), sold_on date,
    sold_at timestamptz, ref uuid, payload bytea, ratio float8
);
INSERT INTO sales
SELECT g, 'r' || (g % 3), g * 1.25, date '2024-01-01' + g,
       timestamptz '2024-01-01 12:00:00+00' + g * interval '1 hour',
       ('00000000-0000-0000-0000-00000000000' || (g % 10))::uuid, '\\x0102', 'NaN'
FROM generate_series(1, 30) AS g;
CREATE SCHEMA archive;
CREATE TABLE archive.old_sales (id int);
"""


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database with a `sales` table (30 rows) and `archive.old_sales`."""
    import asyncpg

    base = require_service(PG_URL, "PostgreSQL")
    url, name = await _create_pg_database(base)
    try:
        parsed = make_url(url)
        conn = await asyncpg.connect(host=parsed.host, port=parsed.port, user=parsed.username, database=name)
        try:
            await conn.execute(_PG_SETUP)
        finally:
            await conn.close()
        yield url
    finally:
        await dispose_engines()
        await _drop_pg_database(base, name)


async def _pg_fingerprint(url: str) -> list[Any]:
    result = await run_read_only(
        url,
        "SELECT count(*), md5(string_agg(sales::text, ',' ORDER BY id)) FROM sales",
        timeout_s=5,
        max_rows=1,
    )
    return result.rows


async def test_pg_rows_and_json_safe_values(pg_url: str) -> None:
    result = await run_read_only(pg_url, "SELECT * FROM sales ORDER BY id", timeout_s=5, max_rows=2)
    assert result.columns == ["id", "region", "amount", "sold_on", "sold_at", "ref", "payload", "ratio"]
    assert result.rows[0] == [
        1,
        "r1",
        1.25,
        "2024-01-02",
        "2024-01-01T13:00:00+00:00",
        "00000000-0000-0000-0000-000000000001",
        "<2 bytes>",
        None,
    ]
    assert (result.row_count, result.truncated) == (2, True)
    totals = await run_read_only(pg_url, "SELECT sum(amount) AS total FROM sales", timeout_s=5, max_rows=5)
    assert totals.rows == [[581.25]]
    assert (await run_read_only(pg_url, "SELECT '%' AS p, ':x' AS q", timeout_s=5, max_rows=1)).rows == [
        ["%", ":x"]
    ]


async def test_pg_truncation_flag(pg_url: str) -> None:
    full = await run_read_only(pg_url, "SELECT id FROM sales", timeout_s=5, max_rows=30)
    cut = await run_read_only(pg_url, "SELECT id FROM sales", timeout_s=5, max_rows=29)
    assert (full.row_count, full.truncated) == (30, False)
    assert (cut.row_count, cut.truncated) == (29, True)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM sales",
        "UPDATE sales SET amount = 0",
        "INSERT INTO sales (id) VALUES (999)",
        "WITH d AS (DELETE FROM sales RETURNING *) SELECT count(*) FROM d",
        "CREATE TABLE t (a int)",
        "DROP TABLE sales",
        "TRUNCATE sales",
        "SELECT * INTO stolen FROM sales",
        "SELECT 1; DELETE FROM sales",
        "SELECT set_config('transaction_read_only', 'off', true)",
        "SELECT * FROM sales FOR UPDATE",
    ],
)
async def test_pg_connection_refuses_writes_on_its_own(pg_url: str, sql: str) -> None:
    """Guard bypassed: the read-only transaction (and one statement per call) refuse writes."""
    before = await _pg_fingerprint(pg_url)
    with pytest.raises(Invalid) as refused:
        await run_read_only(pg_url, sql, timeout_s=5, max_rows=10)
    assert refused.value.code == "sql_error"
    assert await _pg_fingerprint(pg_url) == before


async def test_pg_session_changes_do_not_outlive_the_query(pg_url: str) -> None:
    await run_read_only(pg_url, "SET SESSION statement_timeout = 0", timeout_s=5, max_rows=1)
    result = await run_read_only(pg_url, "SHOW statement_timeout", timeout_s=3, max_rows=1)
    assert result.rows == [["3s"]]
    result = await run_read_only(pg_url, "SHOW transaction_read_only", timeout_s=3, max_rows=1)
    assert result.rows == [["on"]]


async def test_pg_timeout_stops_pg_sleep(pg_url: str) -> None:
    started = time.perf_counter()
    with pytest.raises(Invalid) as stopped:
        await run_read_only(pg_url, "SELECT pg_sleep(10)", timeout_s=1, max_rows=1)
    elapsed = time.perf_counter() - started
    assert stopped.value.code == "sql_timeout"
    assert elapsed < 9  # pg_sleep(10) was cut short


async def test_pg_database_error_is_fed_back(pg_url: str) -> None:
    with pytest.raises(Invalid) as refused:
        await run_read_only(pg_url, "SELECT nope FROM sales", timeout_s=5, max_rows=1)
    assert refused.value.code == "sql_error"
    assert 'column "nope" does not exist' in refused.value.message


async def test_pg_list_tables(pg_url: str) -> None:
    assert await list_tables(pg_url) == ["archive.old_sales", "sales"]


async def test_pg_bad_credentials_or_host_are_unavailable_without_the_password(pg_url: str) -> None:
    secret = "Sup3r-secret-pw"
    parsed = make_url(pg_url)
    wrong_user = parsed.set(username="nobody_here", password=secret)
    wrong_port = parsed.set(port=1, password=secret)
    for url in (wrong_user, wrong_port):
        with pytest.raises(Unavailable) as failed:
            await run_read_only(
                url.render_as_string(hide_password=False), "SELECT 1", timeout_s=2, max_rows=1
            )
        assert failed.value.code == "sql_unavailable"
        assert secret not in failed.value.message
        assert "***" in failed.value.message


# --- MySQL (without a server; test_mariadb.py runs against one) ----------------------------


def test_mysql_and_mariadb_statements_before_each_query() -> None:
    assert session_statements("mysql", 1500) == [
        "SET SESSION MAX_EXECUTION_TIME = 1500",
        "START TRANSACTION READ ONLY",
    ]
    assert session_statements("mariadb", 1500) == [
        "SET SESSION max_statement_time = 1.500",
        "START TRANSACTION READ ONLY",
    ]
    pg = session_statements("postgres", 2000)
    assert pg[0] == "SET TRANSACTION READ ONLY"
    assert "SET LOCAL statement_timeout = 2000" in pg
    assert session_statements("sqlite", 2000) == []


def test_mysql_connections_are_read_only_single_statement_and_without_local_infile() -> None:
    pytest.importorskip("aiomysql")
    from pymysql.constants import CLIENT

    kwargs = mysql_connect_kwargs(make_url("mysql://bob:pw@db.example:3307/shop"), "mysql")
    # the session set-up follows the server reached, not the URL's name
    assert session_init(mariadb=False).startswith("SET SESSION transaction_read_only = ON")
    assert session_init(mariadb=True).startswith("SET SESSION tx_read_only = 1")
    assert is_mariadb("5.5.5-10.11.6-MariaDB-0+deb12u1") and not is_mariadb("8.0.36")
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["local_infile"]) == (
        "db.example",
        3307,
        "shop",
        False,
    )
    conn = mysql_connection(**kwargs)  # built, not connected
    assert not conn.client_flag & CLIENT.MULTI_STATEMENTS


def test_file_access_is_unconfined_when_secure_file_priv_is_empty_or_unset_on_mariadb() -> None:
    assert files_unconfined("", mariadb=False) and files_unconfined("", mariadb=True)
    assert files_unconfined(None, mariadb=True)  # MariaDB: unset means anywhere
    assert not files_unconfined(None, mariadb=False)  # MySQL: NULL switches file access off
    assert not files_unconfined("/var/lib/mysql-files/", mariadb=False)


async def test_mysql_unreachable_server_is_unavailable_without_the_password() -> None:
    pytest.importorskip("aiomysql")
    with pytest.raises(Unavailable) as failed:
        await run_read_only(
            "mysql://bob:Sup3r-secret-pw@127.0.0.1:1/shop", "SELECT 1", timeout_s=2, max_rows=1
        )
    assert failed.value.code == "sql_unavailable"
    assert "Sup3r-secret-pw" not in failed.value.message


# --- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("sqlite:///x.db", "sqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite"),
        ("postgresql://u@h/db", "postgres"),
        ("postgresql+psycopg://u@h/db", "postgres"),
        ("postgres://u@h/db", "postgres"),
        ("mysql+pymysql://u@h/db", "mysql"),
        ("mariadb://u@h/db", "mariadb"),
    ],
)
def test_backend_of(url: str, backend: str) -> None:
    assert backend_of(url) == backend


async def test_unsupported_or_invalid_urls_are_refused_without_echoing_them() -> None:
    with pytest.raises(Invalid) as refused:
        await run_read_only("mssql://u:pw@h/db", "SELECT 1", timeout_s=1, max_rows=1)
    assert refused.value.code == "sql_unsupported"
    with pytest.raises(Invalid) as invalid:
        backend_of("not a url with s3cret")
    assert "s3cret" not in invalid.value.message
    with pytest.raises(Invalid):
        await run_read_only("sqlite://", "SELECT 1", timeout_s=1, max_rows=1)


def test_mask_url_hides_the_password() -> None:
    assert mask_url("postgresql://bob:s3cret@h:5432/db") == "postgresql://bob:***@h:5432/db"
    assert mask_url("::not a url s3cret") == "<invalid database URL>"
