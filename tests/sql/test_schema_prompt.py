"""What the SQL prompt shows of a schema: sample values of categories, valid keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from askwell.sql.introspect import introspect
from askwell.sql.knowledge import render_ddl


def _column(schema: dict[str, Any], table: str, name: str) -> dict[str, Any]:
    columns = next(t["columns"] for t in schema["tables"] if t["name"] == table)
    return next(c for c in columns if c["name"] == name)


async def test_samples_list_categories_and_skip_one_off_text(chinook: Path) -> None:
    schema = await introspect(f"sqlite:///{chinook}")
    # Five titles over eight employees: a category, listed so that WHERE Title = '...' is right.
    assert "Sales Support Agent" in _column(schema, "Employee", "Title")["samples"]
    # A small lookup table: every value is listed.
    assert len(_column(schema, "MediaType", "Name")["samples"]) == 5
    # Ten different companies, NULL for the other 49 customers: free text, not listed.
    assert "samples" not in _column(schema, "Customer", "Company")
    # Too many distinct values.
    assert "samples" not in _column(schema, "Customer", "Country")


async def test_a_composite_key_renders_as_one_table_constraint(chinook: Path) -> None:
    schema = await introspect(f"sqlite:///{chinook}")
    ddl = render_ddl(next(t for t in schema["tables"] if t["name"] == "PlaylistTrack"))
    assert ddl.count("PRIMARY KEY") == 1
    assert "PRIMARY KEY (PlaylistId, TrackId)" in ddl
    single = render_ddl(next(t for t in schema["tables"] if t["name"] == "Genre"))
    assert "GenreId INTEGER PRIMARY KEY" in single
