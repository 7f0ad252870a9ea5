"""Failed queries put in a class and answered: a repair made without the model, or a hint."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from askwell.sql.introspect import introspect
from askwell.sql.repair import diagnose, empty_result_hint


@pytest.fixture
async def schema(chinook: Path) -> list[dict[str, Any]]:
    return (await introspect(f"sqlite:///{chinook}"))["tables"]


def _sqlite_error(chinook: Path, sql: str) -> str:
    """The message SQLite itself gives for `sql` (so the classes are checked on real messages)."""
    with closing(sqlite3.connect(f"file:{chinook}?mode=ro", uri=True)) as db:
        try:
            db.execute(sql).fetchall()
        except sqlite3.Error as exc:
            return str(exc)
    raise AssertionError(f"{sql} ran")


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT DATE_FORMAT(InvoiceDate, '%Y') FROM Invoice", "unknown_function"),
        ("SELECT Nope FROM Genre", "unknown_column"),
        ("SELECT * FROM Genres", "unknown_table"),
        ("SELECT GenreId FROM Track WHERE COUNT(*) > 5 GROUP BY GenreId", "aggregate_misuse"),
        (
            "SELECT GenreId FROM Track JOIN Genre USING (GenreId) "
            "JOIN Album ON Album.AlbumId = Track.AlbumId WHERE Name = 'x'",
            "ambiguous_column",
        ),
        ("SELECT FROM", "syntax"),
    ],
)
def test_real_sqlite_messages_get_their_class(
    chinook: Path, schema: list[dict[str, Any]], sql: str, kind: str
) -> None:
    assert diagnose(_sqlite_error(chinook, sql), sql, dialect="sqlite", tables=schema).kind == kind


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("function year(timestamp without time zone) does not exist", "unknown_function"),
        ('column "nme" does not exist', "unknown_column"),
        ('relation "genres" does not exist', "unknown_table"),
        (
            'column "t.name" must appear in the GROUP BY clause or be used in an aggregate function',
            "aggregate_misuse",
        ),
        ("operator does not exist: text = integer", "type_mismatch"),
        ("Unknown column 'nme' in 'field list'", "unknown_column"),
        ("Table 'shop.genres' doesn't exist", "unknown_table"),
        ("Invalid use of group function", "aggregate_misuse"),
    ],
)
def test_postgres_and_mysql_messages_get_their_class(
    schema: list[dict[str, Any]], message: str, kind: str
) -> None:
    assert diagnose(message, "SELECT 1", dialect="postgres", tables=schema).kind == kind


def test_a_name_one_letter_off_is_repaired(schema: list[dict[str, Any]]) -> None:
    found = diagnose(
        "no such column: Milisecond", "SELECT MAX(Milisecond) FROM Track", dialect="sqlite", tables=schema
    )
    assert (
        found.fix == "Milisecond -> Milliseconds" and found.fixed_sql == "SELECT MAX(Milliseconds) FROM Track"
    )
    table = diagnose("no such table: Genres", "SELECT Name FROM Genres", dialect="sqlite", tables=schema)
    assert table.fixed_sql == "SELECT Name FROM Genre"


def test_an_invented_table_is_the_one_real_table_with_its_columns(schema: list[dict[str, Any]]) -> None:
    sql = (
        "SELECT DISTINCT a.City FROM Customer c JOIN Address a ON a.CustomerId = c.CustomerId "
        "WHERE a.Country = 'USA'"
    )
    found = diagnose("unknown table 'Address'; known tables: ...", sql, dialect="sqlite", tables=schema)
    assert found.fix == "Address -> Customer (the only table with city, country, customerid)"
    assert "JOIN Customer AS a" in (found.fixed_sql or "")


def test_a_column_of_a_table_one_join_away_gets_the_join(schema: list[dict[str, Any]]) -> None:
    sql = "SELECT g.Name, SUM(t.Quantity) FROM Genre g JOIN Track t ON t.GenreId = g.GenreId GROUP BY g.Name"
    found = diagnose(
        "no such column: t.Quantity. t stands for Track, ...", sql, dialect="sqlite", tables=schema
    )
    assert (
        found.hint
        == "Quantity is a column of InvoiceLine: JOIN InvoiceLine ON InvoiceLine.TrackId = Track.TrackId."
    )
    unqualified = diagnose(
        "no such column: Name", "SELECT PlaylistId, Name FROM PlaylistTrack", dialect="sqlite", tables=schema
    )
    assert "JOIN Playlist ON PlaylistTrack.PlaylistId = Playlist.PlaylistId" in unqualified.hint


def test_no_rows_for_a_value_the_column_never_holds(schema: list[dict[str, Any]]) -> None:
    found = empty_result_hint(
        "SELECT * FROM Employee WHERE Title = 'Sales Agent'", dialect="sqlite", tables=schema
    )
    assert (
        found is not None
        and "never holds 'Sales Agent'" in found.hint
        and "'Sales Support Agent'" in found.hint
    )
    assert (
        empty_result_hint("SELECT * FROM Employee WHERE Title = 'IT Staff'", dialect="sqlite", tables=schema)
        is None
    )
