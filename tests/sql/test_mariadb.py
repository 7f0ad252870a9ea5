"""Running queries read-only on a real MariaDB server (the test services' MariaDB 10.11; any
MySQL/MariaDB admin account in ASKWELL_TEST_MYSQL_URL): the database itself refuses writes even
for an account allowed to write, the timeout stops what the server would not, rows are capped,
and the guard's MySQL dialect runs there as written."""

from __future__ import annotations

import collections
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from askwell.errors import AskwellError, Invalid
from askwell.sql.execute import list_tables, run_read_only
from askwell.sql.guard import UnsafeQuery, guard
from tests.conftest import mysql_admin
from tests.sql.conftest import MariaDB
from tests.sql.hostile_queries import ALLOWED_TABLES, HOSTILE, KNOWN_TABLES


async def _fingerprint(maria: MariaDB) -> list[Any]:
    """What a write would change: the tables of the database and every row of both."""
    tables = await run_read_only(
        maria.reader_url,
        "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables "
        "WHERE table_schema = DATABASE()",
        timeout_s=5,
        max_rows=1,
    )
    rows = await run_read_only(
        maria.reader_url,
        "SELECT (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', id, region_id, amount, sold_on, note) ORDER BY id))"
        " FROM sales), (SELECT MD5(GROUP_CONCAT(CONCAT_WS(',', id, name) ORDER BY id)) FROM regions)",
        timeout_s=5,
        max_rows=1,
    )
    return tables.rows + rows.rows


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def server_folder() -> Iterator[Path]:
    """An empty folder the database server could write to (the test server runs on this host)."""
    folder = Path(tempfile.mkdtemp(prefix="askwell-maria-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


# --- reading ---------------------------------------------------------------------------------


async def test_rows_and_json_safe_values(maria: MariaDB) -> None:
    result = await run_read_only(maria.reader_url, "SELECT * FROM sales ORDER BY id", timeout_s=5, max_rows=2)
    assert result.columns == ["id", "region_id", "amount", "sold_on", "sold_at", "payload", "note"]
    assert result.rows[0] == [1, 2, 1.25, "2024-01-02", "2024-01-01T13:00:00", "<2 bytes>", "note 1"]
    assert (result.row_count, result.truncated) == (2, True)
    totals = await run_read_only(maria.reader_url, "SELECT SUM(amount) FROM sales", timeout_s=5, max_rows=1)
    assert totals.rows == [[581.25]]
    # no %-formatting by the driver, no bind parsing
    literal = await run_read_only(maria.reader_url, "SELECT '%' AS p, ':x' AS q", timeout_s=5, max_rows=1)
    assert literal.rows == [["%", ":x"]]


async def test_a_mysql_url_reaching_mariadb_gets_mariadbs_session(maria: MariaDB) -> None:
    """`mysql://` is what most MariaDB users write: the session set-up follows the server, not
    the URL (MySQL's `transaction_read_only` / `max_execution_time` do not exist there)."""
    for driver in ("mysql+aiomysql", "mysql", "mariadb"):
        url = make_url(maria.reader_url).set(drivername=driver).render_as_string(hide_password=False)
        result = await run_read_only(
            url, "SELECT @@tx_read_only, @@max_statement_time", timeout_s=3, max_rows=1
        )
        assert result.rows == [[1, 3.0]]


async def test_truncation_flag_and_the_guards_limit(maria: MariaDB) -> None:
    full = await run_read_only(maria.reader_url, "SELECT id FROM sales", timeout_s=5, max_rows=30)
    cut = await run_read_only(maria.reader_url, "SELECT id FROM sales", timeout_s=5, max_rows=29)
    assert (full.row_count, full.truncated) == (30, False)
    assert (cut.row_count, cut.truncated) == (29, True)
    for sql, rows, truncated in (
        ("SELECT id FROM sales ORDER BY id", 10, True),
        ("SELECT id FROM sales ORDER BY id LIMIT 20, 500", 10, False),  # MySQL's LIMIT offset, count
    ):
        guarded = guard(sql, dialect="mysql", allowed_tables=None, known_tables=["sales"], max_rows=10)
        result = await run_read_only(maria.reader_url, guarded.sql, timeout_s=5, max_rows=10)
        assert (result.row_count, result.truncated) == (rows, truncated)
    assert result.rows[0] == [21]


async def test_list_tables(maria: MariaDB) -> None:
    assert await list_tables(maria.reader_url) == ["regions", "sales"]


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        (
            "SELECT `r`.`name`, SUM(s.amount) AS total FROM sales s JOIN regions r ON r.id = s.region_id"
            " GROUP BY r.name ORDER BY total DESC",
            [["North", 206.25], ["West", 193.75], ["South", 181.25]],
        ),
        (
            "SELECT DATE_FORMAT(sold_on, '%Y-%m') AS month, COUNT(*) AS n FROM sales GROUP BY month"
            " ORDER BY month",
            [["2024-01", 30]],
        ),
        ("SELECT IFNULL(NULL, name), CONCAT(name, '!') FROM regions WHERE id = 1", [["North", "North!"]]),
        # a backslash-escaped quote comes back doubled: on the server it is one string, no OR 1=1
        ("SELECT name FROM regions WHERE name = 'x\\' OR 1=1 -- '", []),
    ],
)
async def test_guarded_mysql_dialect_runs_as_meant(maria: MariaDB, sql: str, rows: list[Any]) -> None:
    guarded = guard(sql, dialect="mysql", allowed_tables=None, known_tables=["regions", "sales"])
    result = await run_read_only(maria.reader_url, guarded.sql, timeout_s=5, max_rows=100)
    assert result.rows == rows


# --- writing: refused by the server, whatever the account may do -----------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO sales (id, region_id) VALUES (999, 1)",
        "UPDATE sales SET amount = 0",
        "DELETE FROM sales",
        "REPLACE INTO regions VALUES (1, 'x')",
        "INSERT INTO regions VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = 'y'",
        "CREATE TABLE t (a INT)",
        "CREATE TEMPORARY TABLE t AS SELECT * FROM sales",
        "DROP TABLE sales",
        "TRUNCATE sales",
        "ALTER TABLE sales ADD COLUMN x INT",
        "RENAME TABLE sales TO old_sales",
        "CREATE VIEW v AS SELECT 1",
        "CREATE PROCEDURE p() DELETE FROM sales",
        "GRANT SELECT ON sales TO CURRENT_USER",
        "SELECT * FROM sales FOR UPDATE",
        "SELECT 1; DELETE FROM sales",
        "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE regions",
        "LOAD DATA INFILE '/etc/hostname' INTO TABLE regions",
    ],
)
async def test_writes_are_refused_by_the_server_for_an_account_that_may_write(
    maria: MariaDB, sql: str
) -> None:
    """Guard bypassed, an account with ALL PRIVILEGES on the database: the read-only
    transaction (and one statement per call, no LOCAL INFILE) refuse every write."""
    before = await _fingerprint(maria)
    with pytest.raises(Invalid) as refused:
        await run_read_only(maria.writer_url, sql, timeout_s=5, max_rows=10)
    assert refused.value.code == "sql_error"
    assert refused.value.message.startswith("the database refused the query:")
    assert await _fingerprint(maria) == before


async def test_session_changes_do_not_outlive_the_query(maria: MariaDB) -> None:
    await run_read_only(maria.writer_url, "SET SESSION tx_read_only = 0", timeout_s=5, max_rows=1)
    await run_read_only(maria.writer_url, "SET SESSION max_statement_time = 0", timeout_s=5, max_rows=1)
    await run_read_only(maria.writer_url, "COMMIT", timeout_s=5, max_rows=1)
    result = await run_read_only(
        maria.writer_url, "SELECT @@tx_read_only, @@max_statement_time", timeout_s=2, max_rows=1
    )
    assert result.rows == [[1, 2.0]]
    with pytest.raises(Invalid) as refused:
        await run_read_only(maria.writer_url, "DELETE FROM sales", timeout_s=5, max_rows=1)
    assert "read-only" in refused.value.message


async def test_files_on_the_server_stay_out_of_reach(maria: MariaDB, server_folder: Path) -> None:
    """A read-only transaction does not stop INTO OUTFILE or LOAD_FILE: an account without FILE
    cannot use them, and an account with FILE on a server that does not confine it is refused
    before any query runs."""
    target = server_folder / "sales.csv"
    # what the connection-time refusal is for: the admin's own read-only transaction writes files
    await mysql_admin(
        maria.admin_base,
        f"USE `{maria.name}`",
        "START TRANSACTION READ ONLY",
        f"SELECT * INTO OUTFILE '{server_folder / 'proof.csv'}' FROM sales",
        "ROLLBACK",
    )
    assert _files(server_folder) == ["proof.csv"]
    (server_folder / "proof.csv").unlink()

    for sql in (f"SELECT * FROM sales INTO OUTFILE '{target}'", f"SELECT 1 INTO DUMPFILE '{target}'"):
        with pytest.raises(Invalid) as refused:
            await run_read_only(maria.writer_url, sql, timeout_s=5, max_rows=1)
        assert refused.value.code == "sql_error" and "FILE" in refused.value.message
    read = await run_read_only(maria.writer_url, "SELECT LOAD_FILE('/etc/passwd')", timeout_s=5, max_rows=1)
    assert read.rows == [[None]]  # no FILE privilege: nothing read

    with pytest.raises(Invalid) as unsafe:
        await run_read_only(
            maria.admin_url, f"SELECT * FROM sales INTO OUTFILE '{target}'", timeout_s=5, max_rows=1
        )
    assert unsafe.value.code == "sql_unsafe_account"
    assert "FILE privilege" in unsafe.value.message and "GRANT SELECT" in unsafe.value.message
    assert _files(server_folder) == []


# --- time: the server's cap, and a kill when a query lifts it ---------------------------------


async def _running_queries(maria: MariaDB) -> list[str]:
    user = make_url(maria.writer_url).username
    rows = await mysql_admin(
        maria.admin_base,
        f"SELECT info FROM information_schema.processlist WHERE user = '{user}' AND command = 'Query'",
    )
    return [str(r[0]) for r in rows]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT SLEEP(20)",
        "SELECT * FROM sales WHERE id = 1 AND (SELECT 1 FROM (SELECT SLEEP(20)) x)",
        "SELECT COUNT(*) FROM sales a, sales b, sales c, sales d, sales e, sales f, sales g",  # 30^7 rows
        # the query lifts the server's cap for itself: the client kills it on the server
        "SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(20)",
    ],
)
async def test_a_slow_query_is_stopped_with_a_clear_error(maria: MariaDB, sql: str) -> None:
    started = time.perf_counter()
    with pytest.raises(Invalid) as stopped:
        await run_read_only(maria.writer_url, sql, timeout_s=1, max_rows=1)
    assert stopped.value.code == "sql_timeout"
    assert "ran longer than 1 s" in stopped.value.message
    assert time.perf_counter() - started < 15  # SLEEP(20) was cut short
    assert await _running_queries(maria) == []  # and is not left running on the server
    result = await run_read_only(maria.writer_url, "SELECT COUNT(*) FROM sales", timeout_s=5, max_rows=1)
    assert result.rows == [[30]]


async def test_benchmark_is_bounded_by_the_timeout(maria: MariaDB) -> None:
    """BENCHMARK stopped by max_statement_time returns 0 instead of failing: bounded all the same
    (a billion MD5s would take minutes)."""
    started = time.perf_counter()
    try:
        await run_read_only(
            maria.writer_url, "SELECT BENCHMARK(1000000000, MD5('x'))", timeout_s=1, max_rows=1
        )
    except Invalid as stopped:
        assert stopped.code == "sql_timeout"
    assert time.perf_counter() - started < 15
    assert await _running_queries(maria) == []


# --- the hostile corpus's MySQL queries --------------------------------------------------------


async def test_mysql_hostile_queries_leave_the_database_unchanged(
    maria: MariaDB, server_folder: Path
) -> None:
    """Each MySQL hostile query: refused by the guard, then sent raw (guard bypassed) as the
    writer account; no table, row or file changes, and nothing runs past the timeout."""
    await mysql_admin(
        maria.admin_base,
        f"USE `{maria.name}`",
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40))",
        "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, total DECIMAL(10, 2))",
        "CREATE TABLE secrets (id INT PRIMARY KEY, user_id INT, body TEXT)",
        "INSERT INTO users VALUES (1, 'ann'), (2, 'bob')",
    )
    before = await _fingerprint(maria)
    users = await run_read_only(maria.reader_url, "SELECT * FROM users", timeout_s=5, max_rows=10)
    # the corpus writes files under /tmp: send them to a folder the server could write to
    queries = [sql.replace("'/tmp/", f"'{server_folder}/") for _, d, sql in HOSTILE if d == "mysql"]
    assert len(queries) >= 35
    outcomes: collections.Counter[str] = collections.Counter()
    for sql in queries:
        with pytest.raises(UnsafeQuery):
            guard(sql, dialect="mysql", allowed_tables=ALLOWED_TABLES, known_tables=KNOWN_TABLES)
        try:
            await run_read_only(maria.writer_url, sql, timeout_s=1, max_rows=10)
            outcomes["ran"] += 1  # a read (information_schema, SHOW GRANTS, a bounded SLEEP...)
        except AskwellError as exc:
            outcomes[exc.code] += 1
    assert await _fingerprint(maria) == before
    assert (await run_read_only(maria.reader_url, "SELECT * FROM users", timeout_s=5, max_rows=10)).rows == (
        users.rows
    )
    assert _files(server_folder) == []
    assert await _running_queries(maria) == []
    assert set(outcomes) <= {"ran", "sql_error", "sql_timeout"}
    assert outcomes["sql_error"] >= 15
