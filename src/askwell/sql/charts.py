"""Pick a chart for a query result from its shape alone: deterministic rules, no model.

The result is read column by column and each column gets one role:

- **temporal**: ISO dates or datetimes (``2009-01-01``, ``2009-01-01T00:00:00``), year-months
  (``2009-01``), year-quarters (``2009-Q1``), or a column *named* as a time unit (``year``,
  ``month``, ``quarter``, ``week``, ``day``, ``hour``, also ``InvoiceYear``, ``order_month``)
  whose values are integers or digit strings in that unit's plausible range (years 1800-2200,
  months 1-12 ...), so SQLite's ``strftime('%Y', ...)`` text counts too.
- **key**: identifiers, never summed or drawn as sizes. A name whose last word is ``id``,
  ``uuid``, ``guid``, ``pk``, ``code``, ``zip``, ``phone`` or ``fax`` (``AlbumId``,
  ``customer_id``, ``ID``); or the *first* column when it holds integers that strictly
  increase down the rows while another numeric column follows (``SELECT Quantity, COUNT(*)
  ... GROUP BY Quantity ORDER BY Quantity``, ``SELECT InvoiceId, Total ... ORDER BY InvoiceId``).
  A key labels the axis only when no text or time column can; otherwise it is ignored.
- **measure**: every other column whose values are all JSON numbers (booleans excluded).
- **category**: everything else (text, booleans, mixed values).

Columns that are entirely NULL are ignored, and so is a non-measure column holding a single
value on every row (``WHERE Country = 'USA'`` echoed back in each row).

The rules, first match wins (``None`` means "show the table only"):

1. No column or no row -> ``None``. Only the first ``MAX_ROWS`` rows are read; the chart says how
   many in ``rows_used``.
2. More than ``MAX_TEXT_COLUMNS`` text columns (a listing, not an aggregate) -> ``None``.
3. No measure -> ``None``.
4. One row -> ``kpi``: one card per measure (up to ``MAX_SERIES``), labelled by the measure's
   name, followed by the row's label values in parentheses when it has one or two
   (``Revenue (USA)``); more label columns -> ``None``. NULL measures get no card.
5. A temporal column + measures -> ``line`` sorted by time: one series per measure, or, with one
   category and one measure, one series per category value (pivoted, up to ``MAX_SERIES``).
   A year column next to a month, quarter or week column makes one axis (``2009-01``,
   ``2009-Q1``, ``2009-W05``). Rows without a time are left out; a time that repeats
   (unaggregated rows) -> ``None``.
6. One category + one measure: no negative values, an additive measure (not an average, min,
   max, rate or ratio, judged by its name), a positive total and rows that make a whole -> ``pie``
   for 2-``PIE_MAX`` categories, ``donut`` up to ``DONUT_MAX``; otherwise ``bar`` up to
   ``BAR_MAX``; beyond that ``treemap`` (the same conditions as a pie) up to ``TREEMAP_MAX``;
   else ``None``. The rows make a whole unless the caller says they are a selection (``whole=
   False``: a top-N or any query with a LIMIT, a truncated result), and a selection with an
   "other" row ("Other", "Others", "Rest") is a whole again: a pie of the top five would show the
   five as everything, so a ranking is drawn as bars.
7. One category + several measures -> ``bar`` with one series per measure (up to ``BAR_MAX``
   categories and ``MAX_SERIES`` measures).
8. Two categories + one measure -> ``bar`` pivoted: categories are the first column's values,
   one series per value of the second column. When the second has more than ``MAX_SERIES``
   values and the first does not, they swap.
9. Anything else -> ``None``. So does a category repeated where each row should name a
   different one (unaggregated rows), labels longer than ``MAX_LABEL_CHARS`` on average (free
   text), and too many categories or series for the chart at hand.

Order: category axes, pivot series and pie slices keep the order of the rows (the query's
``ORDER BY`` is the author's intent); time axes are always sorted ascending. Missing pivot
cells and NULL measures are drawn as ``0`` so that every data point is a JSON number (the
table event still shows the NULL); a NULL category is labelled ``(null)``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

MAX_ROWS = 1000
MAX_TEXT_COLUMNS = 6
PIE_MAX = 5
DONUT_MAX = 8
BAR_MAX = 30
TREEMAP_MAX = 200
MAX_SERIES = 10
MAX_LABEL_CHARS = 60
NULL_LABEL = "(null)"

Role = Literal["measure", "temporal", "category", "key", "empty"]

_ISO_TIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?$|^\d{4}-Q[1-4]$"
)
_MIDNIGHT = re.compile(r"[T ]00:00(:00(\.0+)?)?(Z|[+-]00:?00)?$")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_KEY_WORDS = {"id", "ids", "uuid", "guid", "pk", "code", "zip", "phone", "fax"}
_NON_ADDITIVE = {"avg", "average", "mean", "median", "min", "max", "rate", "ratio", "pct", "percent"}
# Time units a column may be named after, with the plausible range of their integer values.
_UNITS: dict[str, tuple[str, int, int]] = {
    "year": ("year", 1800, 2200),
    "yr": ("year", 1800, 2200),
    "quarter": ("quarter", 1, 4),
    "qtr": ("quarter", 1, 4),
    "month": ("month", 1, 12),
    "week": ("week", 0, 53),
    "day": ("day", 1, 31),
    "hour": ("hour", 0, 23),
}
_REST_LABELS = {"other", "others", "rest", "the rest", "everything else", "(other)"}
_SUB_YEAR = {"month": "{}-{:02d}", "quarter": "{}-Q{}", "week": "{}-W{:02d}"}


@dataclass
class _Column:
    index: int
    name: str
    role: Role
    unit: str = ""  # temporal only: "iso" or a key of _SUB_YEAR / "year" / "day" / "hour"


def choose_visualization(
    columns: list[str], rows: list[list[Any]], *, title: str = "", whole: bool = True
) -> dict[str, Any] | None:
    """Choose a chart for a query result, following the rules in this module's docstring.

    Args:
        columns: the result's column names.
        rows: the result's rows, JSON-safe (dates as ISO strings, decimals as numbers).
        title: the chart's title, passed through unchanged.
        whole: False when the rows are a selection of a larger set (a top-N, a LIMIT, a
            truncated result): no pie, donut or treemap then, unless a row is an "other" slice.

    Returns:
        A contract Visualization (``viz_type``, ``title``, ``series``, ``labels`` or
        ``categories``, plus ``rows_used``), or ``None`` when the table alone should be shown.
    """
    used = rows[:MAX_ROWS]
    if not columns or not used or any(len(row) != len(columns) for row in used):
        return None
    profile = [_classify(i, name, used) for i, name in enumerate(columns)]
    if sum(1 for c in profile if c.role == "category" and _is_text(c, used)) > MAX_TEXT_COLUMNS:
        return None
    _mark_first_column_key(profile, used)
    if len(used) > 1:
        profile = [c for c in profile if c.role == "measure" or _distinct_count(c, used) > 1]
    measures = [c for c in profile if c.role == "measure"]
    temporals = [c for c in profile if c.role == "temporal"]
    categories = [c for c in profile if c.role == "category"]
    if not categories and not temporals:
        categories = [c for c in profile if c.role == "key"]
    if not measures:
        return None
    chart = _choose(measures, temporals, categories, used, whole)
    if chart is None:
        return None
    return {"viz_type": chart.pop("viz_type"), "title": title, **chart, "rows_used": len(used)}


def _choose(
    measures: list[_Column],
    temporals: list[_Column],
    categories: list[_Column],
    rows: list[list[Any]],
    whole: bool,
) -> dict[str, Any] | None:
    if len(rows) == 1:
        return _kpi(measures, temporals + categories, rows[0])
    if temporals:
        return _line(measures, temporals, categories, rows)
    if len(categories) == 1 and len(measures) == 1:
        return _one_measure(categories[0], measures[0], rows, whole)
    if len(categories) == 1:
        return _multi_measure(categories[0], measures, rows)
    if len(categories) == 2 and len(measures) == 1:
        return _pivot_bar(categories[0], categories[1], measures[0], rows)
    return None


# -- column roles ---------------------------------------------------------------------------


def _classify(index: int, name: str, rows: list[list[Any]]) -> _Column:
    values = [row[index] for row in rows if row[index] is not None]
    if not values:
        return _Column(index, name, "empty")
    words = [w.lower() for w in _WORDS.findall(name)]
    if all(isinstance(v, str) and _ISO_TIME.match(v) for v in values):
        return _Column(index, name, "temporal", "iso")
    for word in words:
        if word in _UNITS:
            unit, low, high = _UNITS[word]
            ints = [_as_int(v) for v in values]
            if all(i is not None and low <= i <= high for i in ints):
                return _Column(index, name, "temporal", unit)
    if words and words[-1] in _KEY_WORDS:
        return _Column(index, name, "key")
    if all(_is_number(v) for v in values):
        return _Column(index, name, "measure")
    return _Column(index, name, "category")


def _mark_first_column_key(profile: list[_Column], rows: list[list[Any]]) -> None:
    """A first column of strictly increasing integers labels the rows when numbers follow it."""
    first = profile[0]
    if first.role != "measure" or len(rows) < 2 or not any(c.role == "measure" for c in profile[1:]):
        return
    values = [row[first.index] for row in rows]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values) and all(
        a < b for a, b in itertools.pairwise(values)
    ):
        first.role = "key"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _is_text(column: _Column, rows: list[list[Any]]) -> bool:
    return any(isinstance(row[column.index], str) for row in rows)


def _distinct_count(column: _Column, rows: list[list[Any]]) -> int:
    return len({_label(row[column.index]) for row in rows})


# -- values ---------------------------------------------------------------------------------


def _label(value: Any) -> str:
    if value is None:
        return NULL_LABEL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> int | float:
    return value if _is_number(value) else 0


def _labels_ok(labels: list[str]) -> bool:
    return sum(len(label) for label in labels) <= MAX_LABEL_CHARS * len(labels)


def _additive(measure: _Column) -> bool:
    return not any(word.lower() in _NON_ADDITIVE for word in _WORDS.findall(measure.name))


# -- charts ---------------------------------------------------------------------------------


def _kpi(measures: list[_Column], label_columns: list[_Column], row: list[Any]) -> dict[str, Any] | None:
    if len(label_columns) > 2 or len(measures) > MAX_SERIES:
        return None
    suffix = ", ".join(_label(row[c.index]) for c in label_columns)
    cards = [(m.name, row[m.index]) for m in measures if _is_number(row[m.index])]
    if not cards:
        return None
    return {
        "viz_type": "kpi",
        "series": [value for _, value in cards],
        "labels": [f"{name} ({suffix})" if suffix else name for name, _ in cards],
    }


def _one_measure(
    category: _Column, measure: _Column, rows: list[list[Any]], whole: bool
) -> dict[str, Any] | None:
    labels = [_label(row[category.index]) for row in rows]
    values = [_number(row[measure.index]) for row in rows]
    if len(set(labels)) != len(labels) or not _labels_ok(labels):
        return None
    whole = whole or any(label.strip().lower() in _REST_LABELS for label in labels)
    pie_like_ok = whole and all(v >= 0 for v in values) and sum(values) > 0 and _additive(measure)
    if pie_like_ok and len(labels) <= DONUT_MAX:
        return {"viz_type": "pie" if len(labels) <= PIE_MAX else "donut", "series": values, "labels": labels}
    if len(labels) <= BAR_MAX:
        return {"viz_type": "bar", "series": [{"name": measure.name, "data": values}], "categories": labels}
    if pie_like_ok and len(labels) <= TREEMAP_MAX:
        points = [{"x": x, "y": y} for x, y in zip(labels, values, strict=True)]
        return {"viz_type": "treemap", "series": [{"name": measure.name, "data": points}]}
    return None


def _multi_measure(
    category: _Column, measures: list[_Column], rows: list[list[Any]]
) -> dict[str, Any] | None:
    labels = [_label(row[category.index]) for row in rows]
    if len(set(labels)) != len(labels) or len(labels) > BAR_MAX or len(measures) > MAX_SERIES:
        return None
    if not _labels_ok(labels):
        return None
    series = [{"name": m.name, "data": [_number(row[m.index]) for row in rows]} for m in measures]
    return {"viz_type": "bar", "series": series, "categories": labels}


def _pivot_bar(
    first: _Column, second: _Column, measure: _Column, rows: list[list[Any]]
) -> dict[str, Any] | None:
    firsts = _distinct_labels(first, rows)
    seconds = _distinct_labels(second, rows)
    if len(seconds) > MAX_SERIES >= len(firsts):
        first, second, firsts, seconds = second, first, seconds, firsts
    if len(firsts) > BAR_MAX or len(seconds) > MAX_SERIES or not _labels_ok(firsts + seconds):
        return None
    cells = _cells(rows, lambda row: _label(row[first.index]), second, measure)
    if cells is None:
        return None
    series = [{"name": s, "data": [cells.get((x, s), 0) for x in firsts]} for s in seconds]
    return {"viz_type": "bar", "series": series, "categories": firsts}


def _line(
    measures: list[_Column], temporals: list[_Column], categories: list[_Column], rows: list[list[Any]]
) -> dict[str, Any] | None:
    axis, extra = _time_axis(temporals)
    categories = categories + extra
    rows = [row for row in rows if all(row[c.index] is not None for c in axis)]
    keys = sorted({_time_key(axis, row) for row in rows})
    labels = _time_labels(axis, keys)
    if not categories and len(measures) <= MAX_SERIES:
        by_time = {_time_key(axis, row): row for row in rows}
        if len(by_time) != len(rows):
            return None
        series = [{"name": m.name, "data": [_number(by_time[k][m.index]) for k in keys]} for m in measures]
        return {"viz_type": "line", "series": series, "categories": labels}
    if len(categories) == 1 and len(measures) == 1:
        names = _distinct_labels(categories[0], rows)
        cells = _cells(rows, lambda row: _time_key(axis, row), categories[0], measures[0])
        if cells is None or len(names) > MAX_SERIES or not _labels_ok(names):
            return None
        series = [{"name": n, "data": [cells.get((k, n), 0) for k in keys]} for n in names]
        return {"viz_type": "line", "series": series, "categories": labels}
    return None


def _time_axis(temporals: list[_Column]) -> tuple[list[_Column], list[_Column]]:
    """The columns that make the time axis, and the temporal columns left over (as categories)."""
    years = [c for c in temporals if c.unit == "year"]
    subs = [c for c in temporals if c.unit in _SUB_YEAR]
    axis = [years[0], subs[0]] if years and subs else [temporals[0]]
    return axis, [c for c in temporals if c not in axis]


def _time_key(axis: list[_Column], row: list[Any]) -> tuple[Any, ...]:
    """A sortable key: ISO text (``T`` read as a space, so both spellings sort together) or ints."""
    return tuple(
        str(row[c.index]).replace("T", " ") if c.unit == "iso" else _as_int(row[c.index]) for c in axis
    )


def _time_labels(axis: list[_Column], keys: list[tuple[Any, ...]]) -> list[str]:
    if len(axis) == 2:
        return [_SUB_YEAR[axis[1].unit].format(*key) for key in keys]
    labels = [str(key[0]) for key in keys]
    if axis[0].unit == "iso" and all(_MIDNIGHT.search(label) for label in labels):
        # Dates stored as midnight datetimes ('2009-01-01 00:00:00') read better as dates.
        return [_MIDNIGHT.sub("", label) for label in labels]
    return labels


def _distinct_labels(column: _Column, rows: list[list[Any]]) -> list[str]:
    return list(dict.fromkeys(_label(row[column.index]) for row in rows))


def _cells(
    rows: list[list[Any]], x_of: Callable[[list[Any]], Hashable], series_column: _Column, measure: _Column
) -> dict[tuple[Hashable, str], int | float] | None:
    """(x, series) -> value; ``None`` when a pair repeats (the rows were not aggregated)."""
    cells: dict[tuple[Hashable, str], int | float] = {}
    for row in rows:
        key = (x_of(row), _label(row[series_column.index]))
        if key in cells:
            return None
        cells[key] = _number(row[measure.index])
    return cells
