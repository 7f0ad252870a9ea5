"""What the snapshot learns from the data of an undocumented database, and how the prompt shows it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from askwell.sql.introspect import introspect
from askwell.sql.knowledge import join_paths, render_ddl


@pytest.fixture
def company(tmp_path: Path) -> Path:
    path = tmp_path / "company.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT);
            CREATE TABLE employees (
              id INTEGER PRIMARY KEY, name TEXT, department_id INTEGER REFERENCES departments(id),
              manager_id INTEGER REFERENCES employees(id), hire_date TEXT, active INTEGER, salary REAL,
              birthday TEXT);
            CREATE TABLE projects (id INTEGER PRIMARY KEY, title TEXT);
            CREATE TABLE assignments (
              employee_id INTEGER REFERENCES employees(id), project_id INTEGER REFERENCES projects(id),
              PRIMARY KEY (employee_id, project_id));
            CREATE TABLE order_items (id INTEGER PRIMARY KEY, status TEXT, discount REAL, quantity INTEGER);
            """
        )
        db.executemany("INSERT INTO departments VALUES (?, ?)", [(1, "Sales"), (2, "R&D")])
        db.executemany(
            "INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"Person {i}",
                    1 + i % 2,
                    None if i < 3 else 1,
                    _hired(i),
                    i % 2,
                    30000.0 + 1000 * i,
                    f"1{i % 3}/0{1 + i % 9}/1990",
                )
                for i in range(1, 21)
            ],
        )
        db.executemany("INSERT INTO projects VALUES (?, ?)", [(1, "Apollo"), (2, "Gemini")])
        db.executemany("INSERT INTO assignments VALUES (?, ?)", [(1, 1), (2, 1), (3, 2)])
        db.executemany(
            "INSERT INTO order_items VALUES (?, ?, ?, ?)",
            [(i, ["shipped", "cancelled", "pending"][i % 3], (i % 7) * 0.05, 1 + i % 40) for i in range(200)],
        )
        db.commit()
    return path


def _hired(i: int) -> str:
    return f"20{18 + i % 6}-0{1 + i % 9}-1{i % 10}"


def _column(schema: dict[str, Any], table: str, name: str) -> dict[str, Any]:
    columns = next(t["columns"] for t in schema["tables"] if t["name"] == table)
    return next(c for c in columns if c["name"] == name)


async def test_numeric_ranges_mark_a_fraction(company: Path) -> None:
    schema = await introspect(f"sqlite:///{company}")
    assert _column(schema, "order_items", "discount")["range"] == [0, 0.3]
    assert _column(schema, "order_items", "quantity")["range"] == [1, 40]
    ddl = render_ddl(next(t for t in schema["tables"] if t["name"] == "order_items"))
    assert "discount REAL, -- 0 to 0.3 (a fraction)" in ddl
    assert "quantity INTEGER -- 1 to 40" in ddl  # whole numbers: no fraction
    assert "range" not in _column(schema, "order_items", "id")  # keys have no meaningful range


async def test_text_dates_get_their_format_and_span(company: Path) -> None:
    schema = await introspect(f"sqlite:///{company}")
    hired = _column(schema, "employees", "hire_date")["dates"]
    assert hired["format"] == "YYYY-MM-DD"
    dates = sorted(_hired(i) for i in range(1, 21))
    assert (hired["first"], hired["last"]) == (dates[0], dates[-1])
    # Day-first text does not sort as dates: the format, but no span read off MIN and MAX.
    birthday = _column(schema, "employees", "birthday")["dates"]
    assert birthday["format"] == "DD/MM/YYYY or MM/DD/YYYY" and "first" not in birthday
    ddl = render_ddl(next(t for t in schema["tables"] if t["name"] == "employees"))
    assert f"hire_date TEXT, -- text dates 'YYYY-MM-DD', {dates[0]} to {dates[-1]}" in ddl


async def test_enumerations_of_any_type_and_null_shares(company: Path) -> None:
    schema = await introspect(f"sqlite:///{company}")
    assert _column(schema, "order_items", "status")["samples"] == ["cancelled", "pending", "shipped"]
    active = _column(schema, "employees", "active")
    assert active["samples"] == [0, 1] and "range" not in active  # a flag, listed with its type
    assert _column(schema, "employees", "manager_id")["nulls"] == 0.1
    ddl = render_ddl(next(t for t in schema["tables"] if t["name"] == "employees"))
    assert "manager_id INTEGER REFERENCES employees(id), -- 10% NULL" in ddl
    assert "active INTEGER, -- one of 0, 1" in ddl
    assert "nulls" not in _column(schema, "employees", "name")


async def test_join_paths_from_foreign_keys_and_bridges(company: Path) -> None:
    schema = await introspect(f"sqlite:///{company}")
    joins = join_paths(schema["tables"])
    assert "employees.department_id = departments.id" in joins
    assert "assignments.project_id = projects.id" in joins
    assert "employees and projects join through assignments" in joins


async def test_a_column_that_cannot_be_aggregated_costs_the_snapshot_nothing(tmp_path: Path) -> None:
    path = tmp_path / "odd.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB, note TEXT);"
            "INSERT INTO t VALUES (1, x'00', 'a');"
        )
    schema = await introspect(f"sqlite:///{path}")
    assert [c["name"] for c in schema["tables"][0]["columns"]] == ["id", "blob", "note"]
