"""Checked figures: every number a data answer states is in the result or follows from it.

As citations are checked against the sources, the numbers of an answer are checked against
the query's result, sentence by sentence as the answer streams (a sentence is held until it
ends, then let through, corrected or dropped):

- **supported**: a number of the result (any cell, numbers inside text cells and dates
  included), the row count, a number of the question ("the top 5"), or one that follows from
  the result: a column's sum, average, minimum or maximum, a value's share of its column's
  total, the difference, ratio or percentage change of two values of a column or of a row,
  a fraction as a percentage (0.3 as 30 %). Matched at the precision written (1297.4 as
  "1,297"), and within 2 % after "about", "nearly", "over" and the like. A number that reads
  two ways (1.297 or 1,297 in another language) is supported if either way is.
- **corrected**: a total that is really one row's value ("the five genres ... with a total
  of 1297 tracks", where 1297 is Rock's alone) becomes the column's sum.
- **removed**: a sentence with any other number: a model that invents or misreads a figure
  says nothing rather than something false. If nothing is left, a plain pointer to the table.

Ordinals (2nd), list numbers at the start of a line and numbers inside words are not figures.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

NOTHING_LEFT = "The result is in the table above."
# Pairwise differences and ratios over at most this many rows: beyond, so many numbers follow
# from some pair that the check would let nearly anything through.
MAX_PAIRS_ROWS = 10
APPROXIMATE = 0.02

_NUMBER = re.compile(
    r"(?<![\w.,])[-\u2212]?(?:\d{1,3}(?:[,.\u00a0\u202f]\d{3})+|\d+)(?:[.,]\d+)?"
    r"(?:\s?%| percent)?(?:\s?(?:million|billion|thousand|[kKmM]\b))?(?!\w)"
)
# Each way a written number can be read: (pattern, thousands separator, decimal mark).
_SPELLINGS = [
    (re.compile(r"-?\d+(?:\.\d+)?"), "", "."),
    (re.compile(r"-?\d+,\d+"), "", ","),
    (re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ",", "."),
    (re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?"), ".", ","),
    (re.compile(r"-?\d{1,3}(?:[\u00a0\u202f]\d{3})+(?:[.,]\d+)?"), "\u00a0\u202f", ".,"),
]
_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b")
_APPROX_BEFORE = re.compile(
    r"(?:\b(?:about|around|approximately|roughly|nearly|almost|over|more than|less than|under|some)|~)\s*$",
    re.IGNORECASE,
)
_TOTAL_BEFORE = re.compile(
    r"\b(?:total(?:ing|led|ed)?|altogether|combined|in all|overall|sum)\b[^.!?\d]{0,30}$", re.IGNORECASE
)
_TOTAL_NAME = re.compile(r"total|sum", re.I)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9}
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)|\n")
_LIST_MARKER = re.compile(r"(?:^|\n)\s*\d+$")


@dataclass
class _Facts:
    exact: list[float]  # numbers of the result, the question and what follows from them
    cells: list[tuple[float, int, int]]  # every numeric cell: (value, row, column)
    sums: dict[int, float]  # numeric column -> its sum
    labels: list[str]  # each row's text cells, lower-cased, for "which row does a sentence name"


@dataclass
class FigureCheck:
    """A streaming filter over a data answer; `corrected` and `removed` say what it changed."""

    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    question: str = ""
    checked: int = 0
    corrected: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    _buffer: str = ""
    _space: str = ""  # the whitespace after the last sentence let through, sent with the next one
    _emitted: bool = False
    _facts: _Facts | None = None

    def feed(self, text: str) -> str:
        self._buffer += text
        out = []
        while (end := _sentence_end(self._buffer)) is not None:
            sentence, self._buffer = self._buffer[:end], self._buffer[end:]
            out.append(self._check(sentence))
        return "".join(out)

    def flush(self) -> str:
        rest, self._buffer = self._buffer, ""
        text = self._check(rest) if rest else ""
        if not self._emitted and self.removed:
            self._emitted = True
            return text + NOTHING_LEFT
        return text  # the whitespace after the last sentence is dropped

    def _check(self, sentence: str) -> str:
        facts = self._facts = self._facts or _facts(self.columns, self.rows, self.row_count, self.question)
        pieces, position = [], 0
        for match in _NUMBER.finditer(sentence):
            if _not_a_figure(sentence, match):
                continue
            self.checked += 1
            before = sentence[: match.start()]
            candidates = _readings(match.group(0))
            tolerance = APPROXIMATE if _APPROX_BEFORE.search(before) else 0.0
            if _TOTAL_BEFORE.search(before) and (total := _misread_total(candidates, sentence, facts)):
                _, value = total
                replacement = _format_like(match.group(0), value)
                self.corrected.append(f"{match.group(0).strip()} -> {replacement} (the total, not one row)")
                pieces += [sentence[position : match.start()], replacement]
                position = match.end()
                continue
            if not any(_supported(value, decimals, tolerance, facts) for value, decimals in candidates):
                self.removed.append(sentence.strip())
                return ""
        text = "".join(pieces) + sentence[position:]
        body = text.rstrip(" \t")
        if not body.strip():
            self._space += text
            return ""
        out, self._space, self._emitted = self._space + body, text[len(body) :], True
        return out


def _sentence_end(text: str) -> int | None:
    for match in _SENTENCE_END.finditer(text):
        if match.group(0) == "\n" or not _LIST_MARKER.search(text[: match.start()]):
            end = match.end()
            while end < len(text) and text[end] in " \t":  # the space after belongs to the sentence
                end += 1
            return end if end < len(text) else None  # wait for what follows the space
    return None


def _not_a_figure(sentence: str, match: re.Match[str]) -> bool:
    after = sentence[match.end() :]
    if _ORDINAL_AFTER.match(after):
        return True
    line_start = sentence.rfind("\n", 0, match.start()) + 1
    return not sentence[line_start : match.start()].strip() and after.startswith((". ", ") "))


def _readings(written: str) -> list[tuple[float, int]]:
    """(value, decimals written) for each way the number can be read (1,297: 1297 or 1.297)."""
    text = written.replace("\u2212", "-").strip()  # a typographic minus
    scale = 1.0
    if unit := re.search(r"\s?(million|billion|thousand|k|m)$", text, re.IGNORECASE):
        text, scale = text[: unit.start()], _SCALE[unit.group(1).lower()]
    percent = text.endswith(("%", "percent"))
    text = text.removesuffix("percent").removesuffix("%").strip()
    readings = []
    for pattern, thousands, decimal in _SPELLINGS:
        if not pattern.fullmatch(text):
            continue
        plain = "".join(ch for ch in text if ch not in thousands)
        plain = plain.replace(decimal[-1], ".") if decimal != "." else plain
        fraction = plain.partition(".")[2]
        value = float(plain) * scale
        readings.append((value, len(fraction) - round(math.log10(scale))))
    if percent:
        readings += [(value / 100, decimals + 2) for value, decimals in readings]
    return list(dict.fromkeys(readings))


def _supported(value: float, decimals: int, tolerance: float, facts: _Facts) -> bool:
    step = 0.5 * 10.0 ** (-decimals)  # the precision written: "1,297" stands for 1296.5 to 1297.5
    for known in facts.exact:
        if abs(known - value) <= step + 1e-9 or abs(abs(known) - abs(value)) <= step + 1e-9:
            return True
        if tolerance and abs(known - value) <= tolerance * max(abs(known), 1e-9):
            return True
    return False


def _misread_total(
    candidates: list[tuple[float, int]], sentence: str, facts: _Facts
) -> tuple[float, float] | None:
    """The column's sum, when the number called a total is one row's value of a column that is
    not itself a total, and the sentence is not about that row alone."""
    lowered = sentence.lower()
    for value, decimals in candidates:
        step = 0.5 * 10.0 ** (-decimals)
        for cell, row, column in facts.cells:
            total = facts.sums.get(column)
            if abs(cell - value) > step + 1e-9:
                continue
            if total is None or len(facts.labels) < 2 or math.isclose(total, value):
                continue
            named = [i for i, label in enumerate(facts.labels) if label and label in lowered]
            if named == [row]:
                return None  # "Rock has a total of 1297 tracks": that row's own total
            return value, total
    return None


def _facts(columns: list[str], rows: list[list[Any]], row_count: int, question: str) -> _Facts:
    numeric = [
        i
        for i in range(len(columns))
        if rows
        and all(_is_number(r[i]) or r[i] is None for r in rows)
        and any(_is_number(r[i]) for r in rows)
    ]
    exact: list[float] = [float(row_count), float(len(rows)), float(len(columns))]
    exact += _numbers_in(question)
    cells: list[tuple[float, int, int]] = []
    labels = []
    for r, row in enumerate(rows):
        texts = []
        for c, value in enumerate(row):
            if _is_number(value):
                exact.append(float(value))
                cells.append((float(value), r, c))
            elif value is not None:
                exact += _numbers_in(str(value))
                texts.append(str(value).lower())
        labels.append(" ".join(texts))
        row_values = [float(row[c]) for c in numeric if _is_number(row[c])]
        if len(row) <= 6:
            exact += _derived(row_values)
    sums: dict[int, float] = {}
    for c in numeric:
        values = [float(r[c]) for r in rows if _is_number(r[c])]
        total = sum(values)
        sums[c] = total
        exact += [total, total / len(values), min(values), max(values)]
        exact += [v * 100 for v in values if abs(v) <= 1]  # a fraction stated as a percentage
        if total:
            exact += [v / total * 100 for v in values]
        if len(values) <= MAX_PAIRS_ROWS:
            exact += _derived(values)
    # A column that holds totals already ("TotalSales" per country): "a total of" is one row's.
    sums = {c: total for c, total in sums.items() if _TOTAL_NAME.search(columns[c]) is None}
    return _Facts(exact=exact, cells=cells, sums=sums, labels=labels)


def _derived(values: list[float]) -> Iterable[float]:
    for a, b in itertools.permutations(values, 2):
        yield a - b
        if b:
            yield a / b
            yield (a - b) / b * 100
            yield a / b * 100


def _numbers_in(text: str) -> list[float]:
    return [value for match in _NUMBER.finditer(text) for value, _ in _readings(match.group(0))]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _format_like(written: str, value: float) -> str:
    """`value` spelled as `written` was: thousands separators and decimals kept."""
    stripped = written.strip()
    decimals = len(re.split(r"[.,]", stripped)[-1]) if re.search(r"[.,]\d{1,2}$", stripped) else 0
    text = f"{value:,.{decimals}f}"
    if "," not in stripped and "." not in stripped:
        text = text.replace(",", "")
    return text
