"""Database values -> JSON-safe values, for result tables sent to the browser and the model."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

# Above this many digits an integral Decimal becomes a float (a 10**1000 int is no use to a chart).
_MAX_INT_DIGITS = 30


def to_jsonable(value: Any) -> Any:
    """One value as JSON can carry it.

    date/datetime/time -> ISO 8601 strings; Decimal -> int when integral, else float; NaN and
    infinities -> None; bytes -> "<N bytes>"; UUID -> str; bool, int, str and None unchanged;
    lists/tuples and mappings (PostgreSQL arrays, JSON) converted item by item; anything else
    (intervals, network addresses, ranges...) -> str.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return str(value)


def row_to_jsonable(row: Iterable[Any]) -> list[Any]:
    """A result row as a JSON-safe list."""
    return [to_jsonable(v) for v in row]


def _decimal(value: Decimal) -> int | float | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and value.adjusted() < _MAX_INT_DIGITS:
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None
