"""What a model writes in another dialect runs on the database it asks: each rewrite is checked by
running it on a real SQLite file with ISO-text dates (as undocumented databases keep them) and
comparing with the query a SQLite expert would write, after the guard accepted it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from askwell.sql.dialect import to_dialect
from askwell.sql.guard import guard

_ROWS = [
    (1, "Ada", "Lovelace", "2023-02-14", "2023-03-01", 0.10),
    (2, "Alan", "Turing", "2023-11-30", "2023-12-04", 0.25),
    (3, "Grace", "Hopper", "2024-05-02", "2024-05-02", 0.0),
    (4, "Edsger", "Dijkstra", "2022-07-19", "2022-08-30", 0.3),
]

# (what the model wrote, what SQLite needs): the results must be equal.
CASES = [
    (
        "SELECT COUNT(*) FROM people WHERE YEAR(hired) = 2023",
        "SELECT COUNT(*) FROM people WHERE strftime('%Y', hired) = '2023'",
    ),
    (
        "SELECT MONTH(hired) AS m, COUNT(*) FROM people GROUP BY MONTH(hired) ORDER BY m",
        "SELECT CAST(strftime('%m', hired) AS INT) AS m, COUNT(*) FROM people GROUP BY m ORDER BY m",
    ),
    (
        "SELECT EXTRACT(YEAR FROM hired) AS y, COUNT(*) FROM people GROUP BY y ORDER BY y",
        "SELECT CAST(strftime('%Y', hired) AS INT) AS y, COUNT(*) FROM people GROUP BY y ORDER BY y",
    ),
    (
        "SELECT DATE_FORMAT(hired, '%Y-%m') AS m FROM people ORDER BY id",
        "SELECT substr(hired, 1, 7) FROM people ORDER BY id",
    ),
    (
        "SELECT TO_CHAR(hired, 'YYYY-MM') AS m FROM people ORDER BY id",
        "SELECT substr(hired, 1, 7) FROM people ORDER BY id",
    ),
    (
        "SELECT DATE_TRUNC('month', hired) AS m FROM people ORDER BY id",
        "SELECT substr(hired, 1, 7) || '-01' FROM people ORDER BY id",
    ),
    (
        "SELECT id, DATEDIFF(started, hired) AS days FROM people ORDER BY id",
        "SELECT id, CAST(julianday(started) - julianday(hired) AS INT) FROM people ORDER BY id",
    ),
    (
        "SELECT CONCAT(first, ' ', last) AS name FROM people ORDER BY id",
        "SELECT first || ' ' || last FROM people ORDER BY id",
    ),
    (
        "SELECT QUARTER(hired) AS q FROM people ORDER BY id",
        "SELECT (CAST(strftime('%m', hired) AS INT) + 2) / 3 FROM people ORDER BY id",
    ),
    (
        "SELECT TOP 2 first FROM people ORDER BY discount DESC",
        "SELECT first FROM people ORDER BY discount DESC LIMIT 2",
    ),
    (
        "SELECT first FROM people WHERE last ILIKE '%TUR%'",
        "SELECT first FROM people WHERE lower(last) LIKE '%tur%'",
    ),
    (
        "SELECT COUNT(*) FROM people WHERE hired >= CURDATE() - INTERVAL 100000 DAY",
        "SELECT COUNT(*) FROM people WHERE hired >= date('now', '-100000 day')",
    ),
    (
        "SELECT COUNT(*) FROM people WHERE hired <= NOW()",
        "SELECT COUNT(*) FROM people WHERE hired <= datetime('now')",
    ),
]


@pytest.fixture
def people(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "people.db")
    db.execute(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, first TEXT, last TEXT, hired TEXT, started TEXT,"
        " discount REAL)"
    )
    db.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", _ROWS)
    return db


@pytest.mark.parametrize(("written", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_foreign_sql_runs_on_sqlite_with_the_expected_result(
    people: sqlite3.Connection, written: str, expected: str
) -> None:
    with pytest.raises(sqlite3.Error):
        people.execute(written).fetchall()  # as written, SQLite refuses it

    translation = to_dialect(written, "sqlite")
    assert translation.rewrites, "a rewrite is listed for the validate step"
    guarded = guard(
        translation.sql, dialect="sqlite", allowed_tables=None, known_tables=["people"], max_rows=100
    )
    got = people.execute(guarded.sql).fetchall()
    assert got == people.execute(expected).fetchall()
    assert got, "the comparison is about rows, not two empty results"


def test_sql_the_database_understands_is_left_as_written() -> None:
    for sql in (
        "SELECT strftime('%Y', hired) AS y, COUNT(*) FROM people GROUP BY y",
        "SELECT a - 1 FROM t WHERE b = 'YEAR(x)'",
        "SELECT first || last FROM people",
    ):
        assert to_dialect(sql, "sqlite").sql == sql and not to_dialect(sql, "sqlite").rewrites


@pytest.mark.parametrize(
    ("dialect", "written", "expected"),
    [
        ("postgres", "SELECT DATE_FORMAT(d, '%Y-%m') FROM t", "TO_CHAR(CAST(d AS TIMESTAMP), 'YYYY-MM')"),
        ("postgres", "SELECT STRFTIME('%Y', d) FROM t", "TO_CHAR(CAST(d AS TIMESTAMP), 'YYYY')"),
        ("postgres", "SELECT YEAR(d) FROM t", "EXTRACT(YEAR FROM d)"),
        ("postgres", "SELECT TOP 3 a FROM t", "LIMIT 3"),
        ("mysql", "SELECT STRFTIME('%Y', d) FROM t", "DATE_FORMAT(d, '%Y')"),
        ("mysql", "SELECT TO_CHAR(d, 'YYYY-MM') FROM t", "DATE_FORMAT(d, '%Y-%m')"),
    ],
)
def test_other_targets_get_their_own_spelling(dialect: str, written: str, expected: str) -> None:
    translation = to_dialect(written, dialect)
    assert expected in translation.sql and translation.rewrites


@pytest.mark.parametrize(
    "hostile",
    [
        "DELETE FROM people",
        "SELECT 1; DROP TABLE people",
        "SELECT load_extension('x')",
        "SELECT * FROM people INTO OUTFILE '/tmp/x'",
    ],
)
def test_rewriting_never_makes_a_refused_query_acceptable(hostile: str) -> None:
    from askwell.sql.guard import UnsafeQuery

    for dialect in ("sqlite", "postgres", "mysql"):
        with pytest.raises(UnsafeQuery):
            guard(
                to_dialect(hostile, dialect).sql,
                dialect=dialect,
                allowed_tables=None,
                known_tables=["people"],
                max_rows=10,
            )  # type: ignore[arg-type]


def test_mysql_executable_comments_reach_the_guard_as_written() -> None:
    sql = "SELECT 1 /*!50000 , SLEEP(10) */"
    assert to_dialect(sql, "mysql").sql == sql
