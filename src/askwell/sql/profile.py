"""What the data says about each column, for a database nobody wrote notes for.

Read once per schema snapshot (and so refreshed with it), with one aggregate query per table
(COUNT, MIN and MAX of every column in a single scan) and a small sample of values where
the column's text might be dates:

- ``nulls``: the share of NULLs, when there are any (``manager_id``: 12 % NULL).
- ``range``: [min, max] of a numeric column that is not a key (``discount``: 0 to 0.3, so a
  fraction, not a percentage).
- ``dates``: {"format", "first", "last"} of a date column, typed or ISO-like text
  (``order_date`` TEXT: 'YYYY-MM-DD', 2021-01-04 to 2024-12-30), so the model compares
  with the right literals and picks a year with the right function.

Enumerations (``samples``) are found by the snapshot itself, for columns of any type. A
column the database cannot aggregate (a PostgreSQL boolean has no MIN) just gets no facts:
profiling never fails a snapshot.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Float, Integer, Numeric, String, column, func, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

DATE_SAMPLE = 20
_NUMERIC = Integer | Numeric | Float  # Float is no Numeric in SQLAlchemy 2.1
# A few missing phone numbers change no query; a column mostly empty does (COUNT vs COUNT(*)).
NOTABLE_NULLS = 0.05
# Text date formats, each with whether its text sorts as its dates do (then MIN/MAX are the span).
_DATE_FORMATS: list[tuple[str, re.Pattern[str], bool]] = [
    ("YYYY-MM-DD", re.compile(r"^\d{4}-\d{2}-\d{2}$"), True),
    ("YYYY-MM-DD HH:MM:SS", re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"), True),
    ("YYYY-MM", re.compile(r"^\d{4}-\d{2}$"), True),
    ("YYYY/MM/DD", re.compile(r"^\d{4}/\d{2}/\d{2}$"), True),
    ("DD/MM/YYYY or MM/DD/YYYY", re.compile(r"^\d{2}/\d{2}/\d{4}$"), False),
    ("DD.MM.YYYY", re.compile(r"^\d{2}\.\d{2}\.\d{4}$"), False),
]


def profile_columns(
    conn: Connection, table_name: str, columns: list[dict[str, Any]], types: dict[str, Any], rows: int
) -> None:
    """Add ``nulls``, ``range`` and ``dates`` to the column entries of one table, in place.

    ``types`` maps each column name to its SQLAlchemy type; key columns (``pk`` or in a
    foreign key, flagged ``key`` by the caller) get their NULL share only.
    """
    if rows == 0 or not columns:
        return
    ranged = [c for c in columns if not c.get("key") and _orderable(types.get(c["name"]))]
    try:
        stats = _aggregates(conn, table_name, [c["name"] for c in columns], [c["name"] for c in ranged])
    except SQLAlchemyError:
        return
    for entry in columns:
        filled, low, high = stats.get(entry["name"], (rows, None, None))
        if filled < rows:
            entry["nulls"] = round(1 - filled / rows, 2) or 0.01  # "some" never reads as none
        if low is None or high is None:
            continue
        kind = types.get(entry["name"])
        if isinstance(kind, Date | DateTime):
            entry["dates"] = {
                "format": "date" if not isinstance(kind, DateTime) else "datetime",
                "first": _iso(low),
                "last": _iso(high),
            }
        elif isinstance(kind, _NUMERIC) and not isinstance(low, str):
            entry["range"] = [_number(low), _number(high)]
        elif isinstance(low, str) and isinstance(high, str):
            dates = _text_dates(conn, table_name, entry["name"], low, high)
            if dates:
                entry["dates"] = dates


def _orderable(kind: Any) -> bool:
    return isinstance(kind, _NUMERIC | Date | DateTime | String)


def _aggregates(
    conn: Connection, table_name: str, counted: list[str], ranged: list[str]
) -> dict[str, tuple[int, Any, Any]]:
    """COUNT of every column, MIN and MAX of the ranged ones, in one scan of the table."""
    selected: list[Any] = [func.count(column(name)) for name in counted]
    for name in ranged:
        selected += [func.min(column(name)), func.max(column(name))]
    row = conn.execute(select(*selected).select_from(table(table_name))).one()
    counts = dict(zip(counted, row[: len(counted)], strict=True))
    extremes = row[len(counted) :]
    stats = {name: (int(counts[name]), None, None) for name in counted}
    for index, name in enumerate(ranged):
        stats[name] = (int(counts[name]), extremes[2 * index], extremes[2 * index + 1])
    return stats


def _text_dates(
    conn: Connection, table_name: str, column_name: str, low: str, high: str
) -> dict[str, Any] | None:
    """The date format of a text column, when its extremes and a sample all share one."""
    col: Any = column(column_name)
    sample = [
        str(v)
        for (v,) in conn.execute(
            select(col).select_from(table(table_name)).where(col.is_not(None)).limit(DATE_SAMPLE)
        )
    ]
    for name, pattern, sortable in _DATE_FORMATS:
        if all(pattern.match(v) for v in [low, high, *sample]):
            if name.startswith("DD/MM/YYYY") and any(int(v[:2]) > 12 for v in sample):
                name = "DD/MM/YYYY"
            found: dict[str, Any] = {"format": name, "text": True}
            if sortable:  # otherwise MIN and MAX of the text are not the first and last dates
                found |= {"first": low, "last": high}
            return found
    return None


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = float(value) if isinstance(value, Decimal | float) else float(str(value))
    return int(number) if number.is_integer() else float(f"{number:.4g}")


def describe(column_entry: dict[str, Any]) -> list[str]:
    """The facts of one column as short phrases for the schema prompt."""
    phrases = []
    samples = column_entry.get("samples")
    if samples:
        phrases.append("one of " + ", ".join(repr(v) for v in samples))
    if (span := column_entry.get("range")) is not None:
        low, high = span
        fraction = low >= 0 and high <= 1 and not (isinstance(low, int) and isinstance(high, int))
        phrases.append(f"{low} to {high}" + (" (a fraction)" if fraction else ""))
    if (dates := column_entry.get("dates")) is not None:
        text = f"text dates '{dates['format']}'" if dates.get("text") else f"{dates['format']}s"
        if "first" in dates:
            text += f", {dates['first']} to {dates['last']}"
        phrases.append(text)
    if (nulls := column_entry.get("nulls", 0)) >= NOTABLE_NULLS:
        phrases.append(f"{round(nulls * 100)}% NULL")
    return phrases
