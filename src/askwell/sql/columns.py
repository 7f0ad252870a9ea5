"""Column references checked against the schema snapshot, before the database sees the query.

The commonest error of a small model is `alias.column` where the alias stands for a table
without that column (`a.Title` for Album's title when `a` is Artist). The database's answer,
"no such column: a.Title", is not enough for a 1.5B model to fix it: in bench/text_to_sql.py
it wrote the same query again in 15 of 17 retries. Here:

- when exactly one real table of the reference's own SELECT has the column, the reference is
  requalified with that table's alias, and the repair is reported (so the step says what
  changed: a repair can run and still be wrong). In a join condition the other side's table
  does not count (`g.GenreId = al.GenreId` is Track's GenreId when Genre and Track have one);
- an alias that names nothing (`a.Title` beside `al` and `ar`) is requalified the same way,
  or with the SELECT's only source;
- otherwise the query is refused with what the alias stands for and which tables have the
  column, which a retry can act on.

Only qualified references are checked, and a reference into a derived table or a CTE is left
to the database (their columns are not in the snapshot). Names compare case-insensitively, so a
reference is only ever flagged when no spelling of the column exists.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlglot import exp

from askwell.errors import Invalid


class UnknownColumn(Invalid):
    code = "unknown_column"


@dataclass(frozen=True)
class _Source:
    alias: str  # as written in the query (the name when there is no alias)
    table: str | None  # the real table's name in the snapshot, None for a derived table or CTE


def check_columns(root: exp.Expr, columns_by_table: Mapping[str, Collection[str]]) -> list[str]:
    """Repair or refuse `alias.column` references that the alias's table does not have.

    Args:
        root: the parsed query; repaired in place.
        columns_by_table: the snapshot, table name -> its column names.

    Returns:
        One "a.Title -> al.Title" line per repair.

    Raises:
        UnknownColumn: a reference that cannot be repaired unambiguously.
    """
    known = {name.lower(): {c.lower() for c in cols} for name, cols in columns_by_table.items()}
    ctes = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    repairs: list[str] = []
    for column in list(root.find_all(exp.Column)):
        qualifier, name = column.table, column.name
        if not qualifier or not name or isinstance(column.this, exp.Star):
            continue
        scope = column.find_ancestor(exp.Select)
        source, sources = _resolve(qualifier, scope, known, ctes)
        if source is None:  # the qualifier names no table or alias in reach
            target = _owner_of_stray(name, _sources(scope, known, ctes) if scope else [], known)
            if target is None:
                continue  # left to the database, whose message says as much
        elif source.table is None or name.lower() in known[source.table]:
            continue  # a derived table or CTE (columns unknown here), or a column that exists
        else:
            target = _owner(column, sources, known)
            if target is None:
                read = {t.name.lower() for t in root.find_all(exp.Table)}
                raise UnknownColumn(_explain(qualifier, name, source, sources, read, known, columns_by_table))
        column.set("table", exp.to_identifier(target.alias))
        repair = f"{qualifier}.{name} -> {target.alias}.{name}"
        repairs.extend([] if repair in repairs else [repair])
    return repairs


def _owner(column: exp.Column, sources: list[_Source], known: Mapping[str, set[str]]) -> _Source | None:
    """The one source of the SELECT that must have meant `column`, when there is exactly one.

    Only real tables count (a derived table's columns are unknown here). In a join condition
    `g.GenreId = al.GenreId`, the other side's table is not a candidate: nobody joins a
    column to itself, so with Genre and Track both holding GenreId, al.GenreId is Track's.
    """
    if any(s.table is None for s in sources):
        return None
    name = column.name.lower()
    holders = [s for s in sources if s.table is not None and name in known[s.table]]
    other = _other_side(column)
    if len(holders) > 1 and other is not None and other.name.lower() == name:
        holders = [s for s in holders if s.alias.lower() != other.table.lower()]
    return holders[0] if len(holders) == 1 else None


def _owner_of_stray(name: str, sources: list[_Source], known: Mapping[str, set[str]]) -> _Source | None:
    """For `x.c` where x names nothing: the SELECT's only source, or its only table with a c."""
    if len(sources) == 1:
        return sources[0]
    if any(s.table is None for s in sources):
        return None
    holders = [s for s in sources if s.table is not None and name.lower() in known[s.table]]
    return holders[0] if len(holders) == 1 else None


def _other_side(column: exp.Column) -> exp.Column | None:
    parent = column.parent
    if not isinstance(parent, exp.EQ):
        return None
    other = parent.expression if parent.this is column else parent.this
    return other if isinstance(other, exp.Column) else None


def _resolve(
    qualifier: str, scope: exp.Select | None, known: Mapping[str, set[str]], ctes: set[str]
) -> tuple[_Source | None, list[_Source]]:
    """The source `qualifier` names, searched from the innermost SELECT outwards (a correlated
    subquery may name an outer table), and the sources of the SELECT where it was found."""
    while scope is not None:
        sources = _sources(scope, known, ctes)
        match = next((s for s in sources if s.alias.lower() == qualifier.lower()), None)
        if match is not None:
            return match, sources
        scope = scope.find_ancestor(exp.Select)
    return None, []


def _sources(select: exp.Select, known: Mapping[str, set[str]], ctes: set[str]) -> list[_Source]:
    """The FROM and JOIN sources of one SELECT (not those of its subqueries)."""
    found: list[_Source] = []
    for clause in [select.args.get("from_") or select.args.get("from"), *(select.args.get("joins") or [])]:
        if clause is None:
            continue
        node = clause.this
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name:
            lowered = node.name.lower()
            real = lowered if lowered in known and lowered not in ctes else None
            found.append(_Source(alias=node.alias_or_name, table=real))
        elif node is not None and node.alias_or_name:
            found.append(_Source(alias=node.alias_or_name, table=None))
    return found


def _explain(
    qualifier: str,
    name: str,
    source: _Source,
    sources: list[_Source],
    read: set[str],
    known: Mapping[str, set[str]],
    columns_by_table: Mapping[str, Collection[str]],
) -> str:
    spelled = {table.lower(): table for table in columns_by_table}
    assert source.table is not None
    table = spelled[source.table]
    message = (
        f"no such column: {qualifier}.{name}. {qualifier} stands for {table}, whose columns are "
        f"{', '.join(columns_by_table[table])}"
    )
    holders = [spelled[t] for t, cols in known.items() if name.lower() in cols]
    if not holders:
        return f"{message}; no table has a column {name}."
    beside = {s.table for s in sources if s.table}  # tables of the reference's own SELECT
    in_select = [h for h in holders if h.lower() in beside]
    if len(in_select) > 1:
        return f"{message}; {name} is a column of {', '.join(in_select)}: say which one."
    in_query = [h for h in holders if h.lower() in read]
    where = "" if in_query else ", which the query does not read"
    return f"{message}; {name} is a column of {', '.join(holders)}{where}."
