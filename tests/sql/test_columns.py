"""Column references checked against the schema snapshot: repaired when unambiguous, else explained."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from askwell.sql.columns import UnknownColumn
from askwell.sql.guard import guard

SCHEMA = {
    "Artist": ["ArtistId", "Name"],
    "Album": ["AlbumId", "Title", "ArtistId"],
    "Track": ["TrackId", "Name", "AlbumId", "GenreId"],
    "Genre": ["GenreId", "Name"],
    "Playlist": ["PlaylistId", "Name"],
    "PlaylistTrack": ["PlaylistId", "TrackId"],
}


def _guard(sql: str, dialect: str = "sqlite") -> tuple[str, tuple[str, ...]]:
    guarded = guard(sql, dialect=dialect, allowed_tables=None, known_tables=list(SCHEMA), columns=SCHEMA)  # type: ignore[arg-type]
    return guarded.shown_sql, guarded.repairs


def test_a_column_on_the_wrong_alias_is_requalified_everywhere_it_appears() -> None:
    sql, repairs = _guard(
        "SELECT a.Title, COUNT(*) AS n FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId "
        "JOIN Artist a ON a.ArtistId = al.ArtistId WHERE a.Name = 'Iron Maiden' GROUP BY a.Title"
    )
    assert repairs == ("a.Title -> al.Title",)
    assert "SELECT al.Title" in sql and "GROUP BY al.Title" in sql
    assert "a.Name = 'Iron Maiden'" in sql  # a real column of Artist is left alone


def test_the_repaired_query_runs_on_chinook(chinook: Path) -> None:
    sql, repairs = _guard(
        "SELECT a.Title, COUNT(*) AS n FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId "
        "JOIN Artist a ON a.ArtistId = al.ArtistId WHERE a.Name = 'Iron Maiden' GROUP BY a.Title"
    )
    with sqlite3.connect(chinook) as db:
        rows = db.execute(sql).fetchall()
    assert repairs and len(rows) > 5 and all(isinstance(n, int) for _, n in rows)


def test_an_ambiguous_column_is_refused_with_what_each_alias_stands_for() -> None:
    with pytest.raises(UnknownColumn) as refused:
        _guard(
            "SELECT pt.Name FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId "
            "JOIN Track t ON t.TrackId = pt.TrackId"
        )
    message = refused.value.message
    assert "pt stands for PlaylistTrack, whose columns are PlaylistId, TrackId" in message
    assert "Track" in message and "Playlist" in message and "say which one" in message
    assert refused.value.code == "unknown_column"


def test_a_column_no_table_has_is_refused() -> None:
    with pytest.raises(UnknownColumn, match="no table has a column Price"):
        _guard("SELECT t.Price FROM Track t")


def test_a_column_of_a_table_the_query_does_not_read_is_named() -> None:
    with pytest.raises(UnknownColumn, match="Title is a column of Album, which the query does not read"):
        _guard("SELECT a.Title FROM Artist a")


def test_a_correlated_reference_resolves_in_the_outer_select() -> None:
    sql, repairs = _guard(
        "SELECT a.Name FROM Artist a WHERE EXISTS "
        "(SELECT 1 FROM Album al WHERE al.ArtistId = a.ArtistId AND al.Title LIKE 'A%')"
    )
    assert repairs == () and "al.Title" in sql
    with pytest.raises(UnknownColumn, match="a stands for Artist"):
        _guard("SELECT a.Name FROM Artist a WHERE EXISTS (SELECT 1 FROM Album al WHERE a.Title = 'x')")


@pytest.mark.parametrize(
    "sql",
    [
        "WITH c AS (SELECT 1 AS n) SELECT c.n FROM c",
        "SELECT s.n FROM (SELECT COUNT(*) AS n FROM Track) AS s",
        "SELECT t.* FROM Track t",
        "SELECT TRACK.name FROM track",  # names compare case-insensitively
        "SELECT x.Name FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId JOIN Artist a ON 1 = 1",
    ],
)
def test_what_the_snapshot_cannot_judge_is_left_to_the_database(sql: str) -> None:
    assert _guard(sql)[1] == ()


def test_no_repair_when_a_derived_table_could_hold_the_column() -> None:
    with pytest.raises(UnknownColumn):
        _guard(
            "SELECT t.Title FROM Track t "
            "JOIN (SELECT AlbumId, Title FROM Album) AS x ON x.AlbumId = t.AlbumId"
        )


def test_the_imposed_limit_is_kept_out_of_the_shown_query() -> None:
    guarded = guard(
        "SELECT Name FROM Artist", dialect="sqlite", allowed_tables=None, known_tables=list(SCHEMA)
    )
    assert guarded.limited and "LIMIT 1001" in guarded.sql and "LIMIT" not in guarded.shown_sql
    own = guard(
        "SELECT Name FROM Artist LIMIT 5", dialect="postgres", allowed_tables=None, known_tables=list(SCHEMA)
    )
    assert own.sql == own.shown_sql == "SELECT Name FROM Artist LIMIT 5"


def test_a_join_condition_never_means_the_column_of_its_other_side() -> None:
    sql, repairs = _guard(
        "SELECT g.Name, COUNT(*) AS n FROM Track t JOIN Album al ON al.AlbumId = t.AlbumId "
        "JOIN Genre g ON g.GenreId = al.GenreId GROUP BY g.Name"
    )
    assert repairs == ("al.GenreId -> t.GenreId",) and "g.GenreId = t.GenreId" in sql


def test_an_alias_that_names_nothing_takes_the_one_table_with_the_column() -> None:
    sql, repairs = _guard(
        "SELECT a.Title AS AlbumTitle, COUNT(*) AS n FROM Track t JOIN Album al ON t.AlbumId = al.AlbumId "
        "JOIN Artist ar ON al.ArtistId = ar.ArtistId WHERE ar.Name = 'Iron Maiden' GROUP BY al.Title"
    )
    assert repairs == ("a.Title -> al.Title",) and sql.startswith("SELECT al.Title AS AlbumTitle")


def test_an_alias_that_names_nothing_in_a_one_source_select_is_that_source() -> None:
    sql, repairs = _guard(
        "SELECT AVG(T2.TrackCount) AS n "
        "FROM (SELECT COUNT(*) AS TrackCount, AlbumId FROM Track GROUP BY AlbumId) AS T1"
    )
    assert repairs == ("T2.TrackCount -> T1.TrackCount",) and "AVG(T1.TrackCount)" in sql
