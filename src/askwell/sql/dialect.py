"""Make the dialect the database's problem, not the model's: rewrite what the model wrote into
the target dialect before the guard checks it.

A small model writes the SQL it has seen most (MySQL's `YEAR(d)`, `DATE_FORMAT`, `NOW()`,
PostgreSQL's `TO_CHAR`, `DATE_TRUNC`, SQL Server's `TOP 5`) whatever the database is. sqlglot
knows what most of those mean; this module asks it, in three moves:

1. parse in the target dialect, and only when that fails, in the dialects models borrow from;
2. a function the target's parser does not know (sqlglot keeps it as `Anonymous`) is read
   again as each other dialect would read it; the first reading that the target can render
   without loss replaces it (`DATE_FORMAT(d, '%Y-%m')` on SQLite becomes `STRFTIME('%Y-%m', d)`);
3. the few typed functions that sqlglot renders verbatim although the target lacks them (SQLite
   has no YEAR, MONTH, EXTRACT, CONCAT before 3.44, DATE_TRUNC, or interval arithmetic) are
   spelled with what it has.

Every change is reported as "before -> after" for the validate step, like the column repairs.
The result is still only text: the guard parses it again and is exactly as strict as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError

_BORROWED_FROM = ("postgres", "mysql", "sqlite", "tsql")  # where a model's habits come from
_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL", "tsql": "SQL Server"}


@dataclass(frozen=True)
class Translation:
    sql: str  # what the guard gets: the model's text itself when nothing needed changing
    rewrites: tuple[str, ...] = ()  # "before -> after", in the order applied


def to_dialect(sql: str, dialect: str) -> Translation:
    """`sql` rewritten for `dialect`; unchanged when it cannot be read at all (the guard then
    reports the parse error in the target's own terms)."""
    if dialect == "mysql" and "/*!" in sql:
        return Translation(sql)  # executable comments: the guard refuses them as written
    rewrites: list[str] = []
    tree = _parse(sql, dialect, rewrites)
    if tree is None:
        return Translation(sql)
    made: set[int] = set()  # nodes this module wrote: not reported again as sqlglot's own
    for function in reversed(list(tree.find_all(exp.Func, bfs=False))):  # innermost first
        if isinstance(function, exp.Anonymous) or not _renders(function, dialect):
            _reread_function(function, dialect, rewrites, made)
    for kind, (home, spell) in _SPELLINGS.get(dialect, {}).items():
        for node in reversed(list(tree.find_all(kind, bfs=False))):
            if (replacement := spell(node)) is not None:
                before = _as_written(node, home)
                node.replace(replacement)
                made.add(id(replacement))
                rewrites.append(f"{before} -> {replacement.sql(dialect=dialect)}")
    _note_translations(tree, dialect, sql, rewrites, made)
    if not rewrites:
        return Translation(sql)  # the guard gets exactly what the model wrote
    return Translation(tree.sql(dialect=dialect, comments=False), tuple(dict.fromkeys(rewrites)))


def _parse(sql: str, dialect: str, rewrites: list[str]) -> exp.Expr | None:
    for reader in (dialect, *(d for d in _BORROWED_FROM if d != dialect)):
        try:
            statements = [s for s in sqlglot.parse(sql, read=reader) if s is not None]
        except (ParseError, TokenError):
            continue
        if len(statements) != 1:
            return None  # several statements: the guard refuses them as written
        if reader != dialect:
            rewrites.append(f"read as {_NAMES[reader]} SQL")
        return statements[0]
    return None


def _renders(node: exp.Expr, dialect: str) -> bool:
    """Whether the target dialect can spell this node without dropping part of it (TO_CHAR's
    format on SQLite, say)."""
    if isinstance(node, exp.ToChar) and node.args.get("format") is not None and dialect != "postgres":
        return False  # SQLite's generator drops the format without a word
    try:
        node.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError:
        return False
    return True


def _reread_function(node: exp.Expr, dialect: str, rewrites: list[str], made: set[int]) -> None:
    for reader in (d for d in _BORROWED_FROM if d != dialect):
        try:
            typed = sqlglot.parse_one(node.sql(dialect=reader), read=reader)
            if isinstance(typed, exp.Anonymous):
                continue
            rendered = typed.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)
            if isinstance(sqlglot.parse_one(rendered, read=dialect), exp.Anonymous):
                continue  # the target would not know this spelling either
        except SqlglotError:
            continue
        rewrites.append(f"{node.sql(dialect=reader)} -> {rendered}")
        node.replace(typed)
        made.add(id(typed))
        return


def _as_written(node: exp.Expr, home: str) -> str:
    if isinstance(node, exp.Concat):  # sqlglot's own spelling adds the NULL handling it implies
        return f"CONCAT({', '.join(part.sql(dialect=home) for part in node.expressions)})"
    return node.sql(dialect=home)


def _head(sql: str) -> str:
    return sql.split("(", 1)[0].strip().upper()


def _note_translations(
    tree: exp.Expr, dialect: str, original: str, rewrites: list[str], made: set[int]
) -> None:
    """List what sqlglot itself spells otherwise in the target (DATEDIFF as JULIANDAY on SQLite,
    YEAR as EXTRACT on PostgreSQL, ILIKE as LOWER ... LIKE): the outermost such node that the
    model wrote (a name in its text), not sqlglot's inner helpers."""
    stack: list[exp.Expr] = [tree]
    while stack:
        node = stack.pop()
        if id(node) in made:
            continue
        if isinstance(node, exp.Func | exp.ILike):
            before, after = node.sql(), node.sql(dialect=dialect)
            written = "ILIKE" if isinstance(node, exp.ILike) else _head(before)
            if _head(before) != _head(after) and _wrote(original, written):
                rewrites.append(f"{before} -> {after}")
                continue
        stack.extend(reversed(list(node.iter_expressions())))


def _wrote(sql: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", sql, re.IGNORECASE) is not None


# --- spellings of typed functions the target lacks ------------------------------------------

_STRFTIME_PART = {
    "YEAR": "%Y", "MONTH": "%m", "DAY": "%d", "DAYOFMONTH": "%d", "HOUR": "%H", "MINUTE": "%M",
    "SECOND": "%S", "DOY": "%j", "DAYOFYEAR": "%j", "WEEK": "%W", "DOW": "%w", "DAYOFWEEK": "%w",
}  # fmt: skip
_PART_OF: dict[type[exp.Expr], str] = {
    exp.Year: "YEAR", exp.Month: "MONTH", exp.Day: "DAY", exp.DayOfMonth: "DAY", exp.Hour: "HOUR",
    exp.Minute: "MINUTE", exp.Second: "SECOND", exp.DayOfYear: "DOY", exp.Week: "WEEK",
    exp.WeekOfYear: "WEEK", exp.DayOfWeek: "DOW",
}  # fmt: skip
_TRUNCATED = {"YEAR": "%Y-01-01", "MONTH": "%Y-%m-01", "DAY": "%Y-%m-%d"}


def _sqlite_part(part: str, value: exp.Expr) -> exp.Expr | None:
    """An integer date part as SQLite computes it: CAST(STRFTIME('%Y', d) AS INTEGER)."""
    part = part.upper()
    if part == "QUARTER":
        month = _sqlite_part("MONTH", value)
        shifted = exp.paren(exp.Add(this=month, expression=exp.Literal.number(2)))
        return exp.Cast(
            this=exp.Div(this=shifted, expression=exp.Literal.number(3)), to=exp.DataType.build("INTEGER")
        )
    fmt = _STRFTIME_PART.get(part)
    if fmt is None:
        return None
    strftime = exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(fmt), _undated(value)])
    dow = exp.Cast(this=strftime, to=exp.DataType.build("INTEGER"))
    # MySQL's DAYOFWEEK counts Sunday as 1, SQLite's %w as 0.
    return exp.Add(this=dow, expression=exp.Literal.number(1)) if part == "DOW" else dow


def _undated(value: exp.Expr) -> exp.Expr:
    # MySQL reads YEAR(d) as YEAR(DATE(d)); SQLite's STRFTIME takes the text as it is.
    return value.this if isinstance(value, exp.TsOrDsToDate) else value


def _sqlite_extract(node: exp.Extract) -> exp.Expr | None:
    return _sqlite_part(node.this.name, node.expression)


def _sqlite_date_part(node: exp.Expr) -> exp.Expr | None:
    return _sqlite_part(_PART_OF[type(node)], node.this)


def _sqlite_quarter(node: exp.Quarter) -> exp.Expr | None:
    return _sqlite_part("QUARTER", node.this)


def _sqlite_concat(node: exp.Concat) -> exp.Expr | None:
    # SQLite before 3.44 has no CONCAT; || is the same for text, and NULL-propagating as in MySQL.
    parts = node.expressions
    if len(parts) < 2:
        return None
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part)
    return exp.paren(joined)


def _sqlite_trunc(node: exp.Expr) -> exp.Expr | None:
    unit = node.args.get("unit")
    fmt = _TRUNCATED.get(unit.name.upper() if unit is not None else "")
    if fmt is None:
        return None
    return exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(fmt), node.this])


def _sqlite_interval(node: exp.Expr) -> exp.Expr | None:
    """`d - INTERVAL 30 DAY` as SQLite's DATE(d, '-30 day')."""
    interval = node.expression
    if not isinstance(interval, exp.Interval) or interval.unit is None:
        return None
    amount = interval.this.name if isinstance(interval.this, exp.Literal) else None
    if amount is None:
        return None
    number, _, unit_in_text = amount.partition(" ")
    unit = (interval.unit.name or unit_in_text).lower().rstrip("s")
    if unit not in {"day", "month", "year", "hour", "minute", "second"} or not number.lstrip("-").isdigit():
        return None
    sign = "-" if isinstance(node, exp.Sub) else "+"
    function = "DATE" if unit in {"day", "month", "year"} else "DATETIME"
    modifier = exp.Literal.string(f"{sign}{number.lstrip('-')} {unit}")
    return exp.Anonymous(this=function, expressions=[node.this, modifier])


_Spelling = Callable[[exp.Expr], exp.Expr | None]
# Each spelling with the dialect whose name for the construct the step shows as "before".
_SPELLINGS: dict[str, dict[type[exp.Expr], tuple[str, _Spelling]]] = {
    "sqlite": {
        exp.Extract: ("postgres", _sqlite_extract),  # type: ignore[dict-item]
        **{kind: ("mysql", _sqlite_date_part) for kind in _PART_OF},
        exp.Quarter: ("mysql", _sqlite_quarter),  # type: ignore[dict-item]
        exp.Concat: ("sqlite", _sqlite_concat),  # type: ignore[dict-item]
        exp.DateTrunc: ("postgres", _sqlite_trunc),
        exp.TimestampTrunc: ("postgres", _sqlite_trunc),
        exp.Sub: ("postgres", _sqlite_interval),
        exp.Add: ("postgres", _sqlite_interval),
    },
}
