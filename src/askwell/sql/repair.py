"""What went wrong with a failed query, and what to change: a repair made here, or a hint.

Re-asked with only the database's message, the 1.5B model wrote the same query again in 15
of 17 retries (bench/RESULTS.md). So each error is put in a class first, from the guard's
or the database's message in any of the three dialects, and answered by class:

- ``unknown_column`` / ``unknown_table``: when one name of the schema is close to the one
  written (``order_dt`` for ``order_date``), the query is fixed here, without the model;
  otherwise the hint lists the close names and where the column lives.
- ``unknown_function``: the dialect's spelling of the usual date and string functions.
- ``aggregate_misuse``: HAVING for conditions on aggregates, a subquery for an aggregate of
  aggregates, GROUP BY for every plain column.
- ``ambiguous_column``: qualify it. ``type_mismatch``: compare like with like (the profile
  says how dates are stored). ``syntax``: plain SQL of the dialect, one statement.
- ``empty_result``: no rows although the query compares a column with a value that column
  never holds (``status = 'Shipped'`` where the values are 'shipped', ...): the values.

A hint is one or two sentences added under the error in the retry prompt.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

CLOSE_NAME = 0.8  # difflib ratio: order_dt ~ order_date, Genre ~ Genres; not Name ~ Title


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    hint: str = ""
    fixed_sql: str | None = None  # a repair made without the model, to validate and run as is
    fix: str = ""  # what the repair changed, for the step ("order_dt -> order_date")


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# The messages of SQLite, PostgreSQL and MySQL/MariaDB (and of the guard) for each class; the
# first group that matched names the culprit.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "unknown_function",
        _any(
            r"no such function: (\w+)",
            r"function (\w+)\(.*?\) does not exist",
            r"FUNCTION [\w.]*?(\w+) does not exist",
        ),
    ),
    (
        "unknown_column",
        _any(
            r"no such column: ([\w.]+)", r"column \"?([\w.]+)\"? does not exist", r"Unknown column '([\w.]+)'"
        ),
    ),
    (
        "unknown_table",
        _any(
            r"no such table: ([\w.]+)",
            r"relation \"([\w.]+)\" does not exist",
            r"Table '(?:\w+\.)?(\w+)' doesn't exist",
            r"unknown table '([\w.]+)'",
        ),
    ),
    (
        "aggregate_misuse",
        _any(
            r"misuse of (?:window|aggregate)",
            r"aggregate functions? (?:calls )?(?:are not allowed|cannot be nested)",
            r"must appear in the GROUP BY",
            r"Invalid use of group function",
            r"not in GROUP BY",
        ),
    ),
    (
        "ambiguous_column",
        _any(
            r"ambiguous column name: ([\w.]+)",
            r"column reference \"(\w+)\" is ambiguous",
            r"Column '(\w+)' in \w+ (?:list|clause) is ambiguous",
        ),
    ),
    (
        "type_mismatch",
        _any(
            r"operator does not exist",
            r"invalid input syntax for type",
            r"datatype mismatch",
            r"Incorrect \w+ value",
            r"cannot be cast",
            r"could not convert",
        ),
    ),
    (
        "syntax",
        _any(r"syntax error", r"could not parse", r"parse error", r"incomplete input", r"unrecognized token"),
    ),
]

# Dialect spellings of what a model writes out of habit, named in the unknown-function hint.
_FUNCTION_HINTS: dict[str, str] = {
    "sqlite": (
        "SQLite dates are text: strftime('%Y', d) for the year (compare with '2023', a string), "
        "strftime('%m', d) for the month, date(d, '+7 days'), julianday(a) - julianday(b) for days "
        "between; || joins strings; CASE WHEN for IF."
    ),
    "postgres": (
        "PostgreSQL: EXTRACT(YEAR FROM d) or date_trunc('month', d), a - b for days between dates, "
        "to_char(d, 'YYYY-MM') to format; || or concat() joins strings."
    ),
    "mysql": ("MySQL: YEAR(d), MONTH(d), DATEDIFF(a, b), DATE_FORMAT(d, '%Y-%m'); CONCAT() joins strings."),
}


def diagnose(error: str, sql: str, *, dialect: str, tables: list[dict[str, Any]]) -> Diagnosis:
    """The class of `error` for the query `sql`, with a repair or a hint where one is known."""
    for kind, pattern in _PATTERNS:
        match = pattern.search(error)
        if match is None:
            continue
        name = next((g for g in match.groups() if g), "").rstrip(".")  # "no such column: a.b. a stands"
        if kind == "unknown_column":
            return _unknown_column(name, sql, dialect, tables)
        if kind == "unknown_table":
            return _unknown_table(name, sql, dialect, tables)
        if kind == "unknown_function":
            return Diagnosis(
                kind, f"{name.upper()}() does not exist here. {_FUNCTION_HINTS.get(dialect, '')}".strip()
            )
        if kind == "aggregate_misuse":
            return Diagnosis(
                kind,
                "Conditions on an aggregate go in HAVING, not WHERE; an aggregate of aggregates needs "
                "a subquery (SELECT AVG(n) FROM (SELECT COUNT(*) AS n ... GROUP BY ...)); every "
                "selected column that is not aggregated goes in GROUP BY.",
            )
        if kind == "ambiguous_column":
            return Diagnosis(
                kind, f"Several tables have a column {name}: write it as alias.{name.split('.')[-1]}."
            )
        if kind == "type_mismatch":
            return Diagnosis(kind, "Compare values of the same type: " + _date_storage(tables))
        return Diagnosis(kind, "Write plain SQL of this database: one SELECT statement, nothing else.")
    return Diagnosis("other")


def empty_result_hint(sql: str, *, dialect: str, tables: list[dict[str, Any]]) -> Diagnosis | None:
    """When a query found no rows because it compares a column with a value it never holds."""
    root = _parse(sql, dialect)
    if root is None:
        return None
    values = {
        (t["name"].lower(), c["name"].lower()): c["samples"]
        for t in tables
        for c in t["columns"]
        if c.get("samples")
    }
    by_column: dict[str, list[tuple[str, list[Any]]]] = {}
    for (table, column), samples in values.items():
        by_column.setdefault(column, []).append((table, samples))
    misses = []
    for comparison in root.find_all(exp.EQ, exp.NEQ, exp.In, exp.Like):
        column = comparison.this if isinstance(comparison.this, exp.Column) else None
        literals = [e for e in comparison.find_all(exp.Literal) if e.is_string]
        if column is None or not literals:
            continue
        for table, samples in by_column.get(column.name.lower(), []):
            text = {str(v) for v in samples}
            missing = [lit.this for lit in literals if lit.this not in text and "%" not in lit.this]
            if missing and len(by_column[column.name.lower()]) == 1:
                shown = ", ".join(repr(v) for v in samples)
                misses.append(f"{table}.{column.name} never holds {missing[0]!r}; its values are {shown}")
    if not misses:
        return None
    return Diagnosis("empty_result", "; ".join(misses[:2]) + ".")


def _unknown_column(name: str, sql: str, dialect: str, tables: list[dict[str, Any]]) -> Diagnosis:
    column = name.split(".")[-1]
    root = _parse(sql, dialect)
    read = {t.name.lower() for t in root.find_all(exp.Table)} if root is not None else set()
    candidates = {c["name"]: t["name"] for t in tables if t["name"].lower() in read for c in t["columns"]}
    if any(c.lower() == column.lower() for c in candidates):
        return Diagnosis("unknown_column")  # a column of the wrong alias: the guard's message says which
    close = difflib.get_close_matches(column, list(candidates), n=2, cutoff=CLOSE_NAME)
    if root is not None and len(close) == 1:
        fixed = _rename(root, exp.Column, column, close[0], dialect)
        if fixed is not None:
            return Diagnosis("unknown_column", fixed_sql=fixed, fix=f"{column} -> {close[0]}")
    holders = [t["name"] for t in tables if any(c["name"].lower() == column.lower() for c in t["columns"])]
    joins = [j for h in holders if (j := _join_to(h, read, tables))]
    if joins:  # the table that has it is one foreign key away: say how to join it
        return Diagnosis("unknown_column", f"{column} is a column of {joins[0][0]}: {joins[0][1]}.")
    if holders:
        return Diagnosis("unknown_column", f"{column} is a column of {', '.join(holders)}: join that table.")
    near = difflib.get_close_matches(
        column, [c["name"] for t in tables for c in t["columns"]], n=4, cutoff=0.6
    )
    names = ", ".join(f"{candidates.get(n, '?')}.{n}" if n in candidates else n for n in near)
    return Diagnosis(
        "unknown_column", f"There is no column {column}." + (f" Close names: {names}." if near else "")
    )


def _unknown_table(name: str, sql: str, dialect: str, tables: list[dict[str, Any]]) -> Diagnosis:
    table = name.split(".")[-1]
    names = [t["name"] for t in tables]
    close = difflib.get_close_matches(table, names, n=2, cutoff=CLOSE_NAME)
    root = _parse(sql, dialect)
    if root is not None and len(close) == 1:
        fixed = _rename(root, exp.Table, table, close[0], dialect)
        if fixed is not None:
            return Diagnosis("unknown_table", fixed_sql=fixed, fix=f"{table} -> {close[0]}")
    # An invented table (Address, SupportRep) whose columns, as the query uses them, all belong
    # to one real table: that table is meant (T2.City and T2.Country of "Address" are Customer's).
    used = _columns_through(root, table) if root is not None else set()
    owners = [t["name"] for t in tables if used and used <= {c["name"].lower() for c in t["columns"]}]
    if root is not None and len(owners) == 1:
        fixed = _rename(root, exp.Table, table, owners[0], dialect)
        if fixed is not None:
            why = f"the only table with {', '.join(sorted(used))}"
            return Diagnosis("unknown_table", fixed_sql=fixed, fix=f"{table} -> {owners[0]} ({why})")
    return Diagnosis("unknown_table", f"There is no table {table}; the tables are {', '.join(names[:30])}.")


def _columns_through(root: exp.Expr, table: str) -> set[str]:
    """The columns the query reads through the aliases of `table` (lower-cased)."""
    aliases = {t.alias_or_name.lower() for t in root.find_all(exp.Table) if t.name.lower() == table.lower()}
    return {c.name.lower() for c in root.find_all(exp.Column) if c.table and c.table.lower() in aliases}


def _join_to(holder: str, read: set[str], tables: list[dict[str, Any]]) -> tuple[str, str] | None:
    """How to join `holder` to a table the query reads, from a foreign key between them."""
    for t in tables:
        for fk in t.get("foreign_keys", []):
            ends = (t["name"].lower(), fk["references"].lower())
            if holder.lower() in ends and (set(ends) - {holder.lower()}) & read:
                pairs = zip(fk["columns"], fk["ref_columns"], strict=False)
                on = " AND ".join(f"{t['name']}.{a} = {fk['references']}.{b}" for a, b in pairs)
                return holder, f"JOIN {holder} ON {on}"
    return None


def _rename(root: exp.Expr, kind: type[exp.Expr], old: str, new: str, dialect: str) -> str | None:
    fixed = root.copy()
    renamed = 0
    for node in fixed.find_all(kind):
        if node.name.lower() == old.lower():
            node.set("this", exp.to_identifier(new))
            renamed += 1
    return fixed.sql(dialect=dialect) if renamed else None


def _parse(sql: str, dialect: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None


def _date_storage(tables: list[dict[str, Any]]) -> str:
    formats = sorted(
        {
            f"{t['name']}.{c['name']} is text '{c['dates']['format']}'"
            for t in tables
            for c in t["columns"]
            if c.get("dates", {}).get("text")
        }
    )
    return (
        ("; ".join(formats[:3]) + "; cast with CAST(x AS ...) where needed.")
        if formats
        else "cast with CAST(x AS ...)."
    )
