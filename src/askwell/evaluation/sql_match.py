"""Execution accuracy: does a generated query's result equal the gold one?

Shared by bench/text_to_sql.py and the built-in evaluation (askwell.evaluation.runner).

The rule (documented in text_to_sql.py and bench/RESULTS.md):

- Values are normalised: numbers (and text that parses as a number, such as strftime('%Y')
  giving '2009') become floats rounded to 2 decimals; other text is stripped; NULL stays NULL.
- Columns: every gold column must be matched by a distinct predicted column, in any order.
  Extra predicted columns are allowed (an id, or the count behind a "which ... most" answer),
  so a gold query lists only the columns the question asks for.
- Rows: the same number of rows, compared as multisets. Order counts only when the gold query
  has a top-level ORDER BY: then the rows must come in the gold order, or, when the question
  names `order_by` (gold column indexes), the sequence of those columns must be the gold one,
  so that ties may come in any order.
- A question may list `alt_sql`: other gold queries that are also right (a full name in one
  column rather than first and last name in two); matching any gold counts.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

Row = tuple[Any, ...]


def normalise(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int | float | Decimal):
        number = round(float(value), 2)
        return 0.0 if number == 0 else number  # -0.0
    if isinstance(value, bytes):
        return value.hex()
    text = str(value).strip()
    try:
        number = round(float(text), 2)
    except ValueError:
        return text
    return 0.0 if number == 0 else number


def normalise_rows(rows: Sequence[Sequence[Any]]) -> list[Row]:
    return [tuple(normalise(v) for v in row) for row in rows]


def is_ordered(sql: str) -> bool:
    """Whether the gold query's outermost SELECT has an ORDER BY."""
    tree = sqlglot.parse_one(sql, read="sqlite")
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def matches(
    gold_rows: Sequence[Sequence[Any]],
    gold_width: int,
    predicted_rows: Sequence[Sequence[Any]],
    predicted_width: int,
    *,
    ordered: bool,
    order_by: Sequence[int] | None = None,
) -> bool:
    gold = normalise_rows(gold_rows)
    predicted = normalise_rows(predicted_rows)
    if len(gold) != len(predicted) or predicted_width < gold_width:
        return False
    if not gold:
        return True
    gold_counter = Counter(gold)
    # candidate predicted columns for each gold column: same multiset of values
    gold_columns = [Counter(r[i] for r in gold) for i in range(gold_width)]
    predicted_columns = [Counter(r[j] for r in predicted) for j in range(predicted_width)]
    candidates = [
        [j for j in range(predicted_width) if predicted_columns[j] == gold_columns[i]]
        for i in range(gold_width)
    ]
    if any(not c for c in candidates):
        return False
    for assignment in itertools.product(*candidates):
        if len(set(assignment)) < len(assignment):
            continue
        projected = [tuple(row[j] for j in assignment) for row in predicted]
        if Counter(projected) != gold_counter:
            continue
        if not ordered:
            return True
        if order_by is None:
            if projected == gold:
                return True
        elif [tuple(r[i] for i in order_by) for r in projected] == [
            tuple(r[i] for i in order_by) for r in gold
        ]:
            return True
    return False


def _keys(rows: Sequence[Row], columns: Sequence[int]) -> list[Row]:
    return [tuple(row[i] for i in columns) for row in rows]
