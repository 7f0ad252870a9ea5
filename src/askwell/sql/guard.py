"""The SQL guard: one read-only SELECT over known, allowed tables, with a row limit imposed.

The guard parses the model's SQL with sqlglot in the target dialect, refuses anything that is
not a single plain query, and renders the checked tree back to SQL. The rendered text (without
comments) is what runs, so a disagreement between sqlglot's tokenizer and the database's can
change what a query means but never smuggles in an unchecked statement.

This is the first of two locks: the connection itself is read-only (see `execute.py`), and the
database account should have SELECT grants only.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from askwell.errors import Invalid
from askwell.sql.columns import check_columns

Dialect = Literal["sqlite", "postgres", "mysql"]


@dataclass(frozen=True)
class GuardedQuery:
    sql: str  # the statement to run, rendered for the dialect, with the LIMIT imposed
    tables: tuple[str, ...]  # tables it reads, spelled as in known_tables (or allowed_tables)
    limited: bool  # True if the guard added or lowered a LIMIT
    # The same checked (and repaired) query without the imposed LIMIT, for the models' prompts:
    # shown the limit, a small model reads "LIMIT 1001" as a count of rows.
    shown_sql: str = ""
    repairs: tuple[str, ...] = ()  # column references requalified, as "a.c -> b.c"


class UnsafeQuery(Invalid):
    """The guard refused the query; the message says what and why (the model can retry)."""

    code = "unsafe_sql"


class WriteRefused(UnsafeQuery):
    """The query writes data or changes the schema: a request the read-only route declines
    (the answer says so), not a mistake for the model to retry. Same code as any refusal."""


class SqlParseError(UnsafeQuery):
    """The SQL could not be parsed in the dialect; the message carries the parser's reason."""

    code = "sql_parse_error"


# --- policy --------------------------------------------------------------------------------

# Functions refused, by why. Names are matched lower-case whatever the dialect: a name that
# is dangerous on one engine is never a legitimate need on another.
_DENIED_GROUPS: dict[str, frozenset[str]] = {
    "it sleeps or busy-loops": frozenset(
        {"sleep", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "benchmark", "waitfor"}
    ),
    "it reads or writes files, loads code or runs programs": frozenset(
        {
            "load_extension", "readfile", "writefile", "edit", "fsdir", "lsdir", "zipfile",
            "sqlar_compress", "sqlar_uncompress", "load_file", "copy", "sys_exec", "sys_eval",
            "xp_cmdshell", "shell", "system", "fts3_tokenizer",
        }
    ),
    # these run a query given as text, out of the guard's sight, or reach other servers
    "it runs SQL given as text or reaches another server": frozenset(
        {
            "eval", "sha3_query", "query_to_xml", "query_to_xml_and_xmlschema", "query_to_xmlschema",
            "cursor_to_xml", "cursor_to_xmlschema", "table_to_xml", "table_to_xml_and_xmlschema",
            "table_to_xmlschema", "schema_to_xml", "schema_to_xml_and_xmlschema",
            "schema_to_xmlschema", "database_to_xml", "database_to_xml_and_xmlschema",
            "database_to_xmlschema", "ts_stat", "ts_rewrite", "http", "query_export_to_s3",
            "table_import_from_s3",
        }
    ),
    # set_config could lift statement_timeout; current_setting reveals paths and settings
    # that a question about business data never needs
    "it changes or reveals server settings": frozenset({"set_config", "current_setting"}),
    "it takes locks, waits on replication or changes sequences": frozenset(
        {
            "nextval", "setval", "get_lock", "release_lock", "release_all_locks", "is_free_lock",
            "is_used_lock", "master_pos_wait", "source_pos_wait", "wait_for_executed_gtid_set",
            "wait_until_sql_thread_after_gtids",
        }
    ),
    "it can build huge values in memory": frozenset({"zeroblob", "randomblob"}),
}  # fmt: skip
DENIED_FUNCTIONS = frozenset().union(*_DENIED_GROUPS.values())
# Whole families: PostgreSQL's pg_* admin functions (read files, signal backends, advisory
# locks, notify), large objects, dblink, the pgsql-http/pg_net extensions, SQLite internals
# and table-valued pragmas, MySQL's sys_exec-style UDFs.
DENIED_PREFIXES = ("pg_", "lo_", "dblink", "http_", "sqlite_", "pragma_", "sys_", "xp_")
ALLOWED_EXCEPTIONS = frozenset({"pg_typeof", "sqlite_version"})

# Functions whose literal size argument can allocate or generate too much: (name -> index).
_SIZE_ARGUMENTS = {"repeat": 1, "space": 0, "lpad": 1, "rpad": 1}
MAX_LITERAL_SIZE = 1_000_000

_SYSTEM_SCHEMAS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"temp"}),
    "postgres": frozenset({"pg_catalog", "information_schema", "pg_toast"}),
    "mysql": frozenset({"mysql", "information_schema", "performance_schema", "sys"}),
}
# Unqualified names that resolve to catalogs: pg_catalog is searched first in PostgreSQL.
_SYSTEM_NAME_PREFIXES: dict[str, tuple[str, ...]] = {
    "sqlite": ("sqlite_", "pragma_"),
    "postgres": ("pg_",),
    "mysql": (),
}
_SYSTEM_NAMES: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"dbstat"}),
    "postgres": frozenset(),
    "mysql": frozenset(),
}
_DEFAULT_SCHEMA: dict[str, str | None] = {"sqlite": "main", "postgres": "public", "mysql": None}

_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Copy)
_SCHEMA_CHANGES = (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)
_STATEMENTS = {
    name: cls
    for name in (
        "Pragma", "Set", "Attach", "Detach", "Use", "Transaction", "Commit", "Rollback",
        "Describe", "Show", "Kill", "LoadData", "Analyze", "Grant", "Revoke", "Comment",
        "Declare", "Cache", "Uncache", "Refresh", "Command",
    )
    if (cls := getattr(exp, name, None)) is not None
}  # fmt: skip
_FORBIDDEN = (*_WRITES, *_SCHEMA_CHANGES, *_STATEMENTS.values(), exp.Into, exp.Lock, exp.Hint)
_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- entry point ---------------------------------------------------------------------------


def guard(
    sql: str,
    *,
    dialect: Dialect,
    allowed_tables: Collection[str] | None,
    known_tables: Collection[str],
    max_rows: int = 1000,
    columns: Mapping[str, Collection[str]] | None = None,
) -> GuardedQuery:
    """Check that `sql` is one read-only query over allowed tables and impose a row limit.

    Args:
        sql: the model's SQL.
        dialect: the target database's dialect.
        allowed_tables: tables the assistant may read (None: every known table).
        known_tables: tables that exist ("name" or "schema.name"), e.g. from `list_tables`.
        max_rows: rows the caller keeps; the outer query gets LIMIT max_rows + 1 (or its own
            smaller LIMIT), the extra row telling `run_read_only` that the result was cut.
        columns: the schema snapshot (table -> column names), when there is one: qualified
            column references are checked against it and repaired when unambiguous (see
            `columns.py`).

    Returns:
        The query to run, rendered for the dialect without comments.

    Raises:
        SqlParseError: the SQL does not parse in the dialect (code "sql_parse_error").
        UnsafeQuery: anything else refused (code "unsafe_sql"); the message says why.
        UnknownColumn: a column reference the snapshot says cannot work (code "unknown_column").
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    root = _parse_one(sql, dialect)
    if not isinstance(root, _ROOTS):
        refusal = WriteRefused if isinstance(root, _WRITES + _SCHEMA_CHANGES) else UnsafeQuery
        raise refusal(_describe(root) or f"only SELECT queries are allowed (found {_kind(root)})")
    tables = _check_tree(root, dialect)
    names = _check_tables(tables, dialect, allowed_tables, known_tables)
    repairs = check_columns(root, columns) if columns else []
    shown = root.sql(dialect=dialect, comments=False)
    # One row more than the caller keeps, so that the executor can tell a complete result from
    # a cut one (QueryResult.truncated).
    limited = _impose_limit(root, max_rows + 1)
    return GuardedQuery(
        sql=root.sql(dialect=dialect, comments=False) if limited else shown,
        tables=names,
        limited=limited,
        shown_sql=shown,
        repairs=tuple(repairs),
    )


def is_denied_function(name: str) -> bool:
    """Whether a function name is on the deny-list (shared with the SQLite authorizer)."""
    name = name.lower()
    if name in ALLOWED_EXCEPTIONS:
        return False
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


# --- parsing -------------------------------------------------------------------------------


def _parse_one(sql: str, dialect: Dialect) -> exp.Expr:
    engine = sqlglot.Dialect.get_or_raise(dialect)
    try:
        tokens = engine.tokenize(sql)
        if dialect == "mysql":
            _refuse_executable_comments(tokens)
        statements = engine.parser().parse(tokens, sql)
    except (ParseError, TokenError) as error:
        raise SqlParseError(f"could not parse the SQL as {dialect}: {_parse_reason(error)}") from error
    real = [s for s in statements if s is not None and not isinstance(s, exp.Semicolon)]
    if not real:
        raise UnsafeQuery("the SQL is empty: write one SELECT query")
    if len(real) > 1:
        raise UnsafeQuery(f"only one statement is allowed (found {len(real)})")
    return real[0]


def _refuse_executable_comments(tokens: Iterable[sqlglot.tokens.Token]) -> None:
    # MySQL runs the text of /*! ... */ (and MariaDB /*M! ... */): not a comment there.
    for token in tokens:
        for comment in token.comments:
            if comment.lstrip().upper().startswith(("!", "M!")):
                raise UnsafeQuery("MySQL executable comments (/*! ... */) are not allowed")


def _parse_reason(error: ParseError | TokenError) -> str:
    errors = getattr(error, "errors", None)
    if errors:
        first = errors[0]
        reason = f"{first.get('description')} at line {first.get('line')}, column {first.get('col')}"
        if first.get("highlight"):
            reason += f" near {first['highlight']!r}"
        return reason
    return _ANSI.sub("", str(error)).splitlines()[0] if str(error) else type(error).__name__


# --- the tree ------------------------------------------------------------------------------


def _kind(node: exp.Expr) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, exp.TruncateTable):
        return "TRUNCATE"
    return node.key.upper()


def _describe(node: exp.Expr) -> str | None:
    """Why a forbidden node is refused, or None if the node type is fine."""
    if isinstance(node, _WRITES):
        return f"the query writes data ({_kind(node)}); only SELECT queries are allowed"
    if isinstance(node, _SCHEMA_CHANGES):
        return f"the query changes the schema ({_kind(node)}); only SELECT queries are allowed"
    if isinstance(node, exp.Into):
        return "SELECT INTO (a new table, a variable or a file) is not allowed: select the rows instead"
    if isinstance(node, exp.Lock):
        return "locking clauses (FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE) are not allowed"
    if isinstance(node, exp.Hint):
        return "optimizer hints (/*+ ... */) are not allowed"
    if isinstance(node, tuple(_STATEMENTS.values())):
        return f"{_kind(node)} statements are not allowed; only SELECT queries are"
    return None


def _check_tree(root: exp.Expr, dialect: Dialect) -> list[exp.Table]:
    """Refuse forbidden nodes and functions; return the real table references."""
    tables: list[exp.Table] = []
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise UnsafeQuery(_describe(node) or f"{_kind(node)} is not allowed")
        if isinstance(node, exp.Func):
            _check_function(node)
        elif isinstance(node, exp.Table):
            if isinstance(node.this, exp.Identifier):
                if not _is_cte_reference(node, dialect):
                    tables.append(node)
            elif not isinstance(node.this, exp.Func):
                raise UnsafeQuery(f"unsupported table reference {node.sql(dialect=dialect)!r}")
    return tables


def _denial_reason(name: str) -> str:
    for reason, names in _DENIED_GROUPS.items():
        if name in names:
            return reason
    return "system, extension and admin functions (pg_*, lo_*, dblink*, http_*, sqlite_*...) are off limits"


def _function_names(node: exp.Func) -> set[str]:
    if isinstance(node, exp.Anonymous):
        return {str(node.name).lower()}
    names = {node.key.lower()}
    with contextlib.suppress(NotImplementedError):  # abstract function classes have no name
        names.update(n.lower() for n in type(node).sql_names())
    return names


def _check_function(node: exp.Func) -> None:
    names = _function_names(node)
    for name in sorted(names):
        if is_denied_function(name):
            raise UnsafeQuery(f"function {name} is not allowed: {_denial_reason(name)}")
    if isinstance(node, exp.GenerateSeries | exp.ExplodingGenerateSeries) or "generate_series" in names:
        args = [node.args.get(k) for k in ("start", "end", "step")]
        if isinstance(node, exp.Anonymous):
            args = list(node.expressions) + [None] * 3
        start, end, step = (_literal_number(a) for a in args[:3])
        if start is not None and end is not None:
            count = abs(end - start) / abs(step or 1)
            if count > MAX_LITERAL_SIZE:
                raise UnsafeQuery(
                    f"generate_series over {count:.0f} values is too large (at most {MAX_LITERAL_SIZE})"
                )
    size_arg = _size_argument(node)
    size = _literal_number(size_arg)
    if size is not None and size > MAX_LITERAL_SIZE:
        raise UnsafeQuery(
            f"{sorted(names)[0]}() of {size:.0f} characters is too large (at most {MAX_LITERAL_SIZE})"
        )


def _size_argument(node: exp.Func) -> exp.Expr | None:
    """The length argument of repeat/space/lpad/rpad, which can allocate up to 1 GB."""
    if isinstance(node, exp.Repeat):
        return node.args.get("times")
    if isinstance(node, exp.Space):
        return node.this
    if isinstance(node, exp.Pad):
        return node.expression
    if isinstance(node, exp.Anonymous) and node.name.lower() in _SIZE_ARGUMENTS:
        index = _SIZE_ARGUMENTS[node.name.lower()]
        return node.expressions[index] if len(node.expressions) > index else None
    return None


def _literal_number(node: exp.Expr | None) -> float | None:
    negative = False
    if isinstance(node, exp.Neg):
        node, negative = node.this, True
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            value = float(node.this)
        except ValueError:
            return None
        return -value if negative else value
    return None


def _is_cte_reference(table: exp.Table, dialect: Dialect) -> bool:
    """Whether an unqualified name resolves to a CTE under the engine's scoping rules.

    When in doubt the answer is False, so the name is then checked as a real table.
    SQLite sees every CTE of a WITH from everywhere in it; PostgreSQL sees earlier ones (all
    with RECURSIVE); MySQL sees earlier ones (and itself with RECURSIVE).
    """
    if table.args.get("db") or table.args.get("catalog"):
        return False
    name = table.name.lower()
    child: exp.Expr = table
    parent = table.parent
    while parent is not None:
        with_ = parent.args.get("with_") if not isinstance(parent, exp.With) else None
        if (
            isinstance(with_, exp.With)
            and child is not with_
            and name in {c.alias_or_name.lower() for c in with_.expressions}
        ):
            return True  # referenced from the main query of this WITH
        if isinstance(parent, exp.With):
            ctes = list(parent.expressions)
            index = next((i for i, c in enumerate(ctes) if c is child), None)
            if index is not None:
                if dialect == "sqlite" or (dialect == "postgres" and parent.args.get("recursive")):
                    visible = ctes
                elif parent.args.get("recursive"):
                    visible = ctes[: index + 1]
                else:
                    visible = ctes[:index]
                if name in {c.alias_or_name.lower() for c in visible}:
                    return True
        child, parent = parent, parent.parent
    return False


# --- tables --------------------------------------------------------------------------------


def _parts(table: exp.Table) -> list[exp.Identifier]:
    parts = [table.args.get("catalog"), table.args.get("db"), table.this]
    return [p for p in parts if isinstance(p, exp.Identifier)]


def _key(parts: list[str], dialect: Dialect) -> tuple[str, ...]:
    default = _DEFAULT_SCHEMA[dialect]
    if len(parts) == 2 and default is not None and parts[0].lower() == default:
        parts = parts[1:]
    return tuple(parts)


def _fold(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.lower() for p in key)


def _exact_ref(table: exp.Table, dialect: Dialect) -> tuple[str, ...]:
    """The name as the engine resolves it: PostgreSQL folds unquoted names to lower case."""
    if dialect == "postgres":
        names = [p.name if p.quoted else p.name.lower() for p in _parts(table)]
    else:
        names = [p.name for p in _parts(table)]
    return _key(names, dialect)


def _index(names: Iterable[str], dialect: Dialect) -> dict[tuple[str, ...], list[str]]:
    index: dict[tuple[str, ...], list[str]] = {}
    for name in names:
        index.setdefault(_fold(_key(name.split("."), dialect)), []).append(name)
    return index


def _is_system(table: exp.Table, dialect: Dialect) -> bool:
    parts = [p.name.lower() for p in _parts(table)]
    name, schema = parts[-1], (parts[-2] if len(parts) > 1 else None)
    if schema is not None and (
        schema in _SYSTEM_SCHEMAS[dialect] or schema.startswith(("pg_temp", "pg_toast"))
    ):
        return True
    # In SQLite the catalogs live in "main" too; in PostgreSQL an unqualified pg_* name finds
    # pg_catalog first, while public.pg_x is a user's table.
    if schema is None or (dialect == "sqlite" and schema == _DEFAULT_SCHEMA[dialect]):
        return name in _SYSTEM_NAMES[dialect] or name.startswith(_SYSTEM_NAME_PREFIXES[dialect])
    return False


def _listing(names: Iterable[str]) -> str:
    names = sorted(set(names), key=str.lower)
    shown = ", ".join(names[:25])
    return shown + (f" and {len(names) - 25} more" if len(names) > 25 else "") if names else "(none)"


def _check_tables(
    tables: list[exp.Table],
    dialect: Dialect,
    allowed_tables: Collection[str] | None,
    known_tables: Collection[str],
) -> tuple[str, ...]:
    known = _index(known_tables, dialect)
    allowed = _index(allowed_tables, dialect) if allowed_tables is not None else None
    read: list[str] = []
    for table in tables:
        shown = ".".join(p.name for p in _parts(table))
        exact = _exact_ref(table, dialect)
        folded = _fold(exact)
        if _is_system(table, dialect):
            explicit = (allowed or {}).get(folded, [])
            if not explicit:
                raise UnsafeQuery(f"table {shown!r} is a system catalog or another schema: not allowed")
            read.append(explicit[0])
            continue
        candidates = known.get(folded, [])
        if len(candidates) > 1:
            # SQLite names are case-insensitive: duplicates name one table
            candidates = (
                candidates[:1]
                if dialect == "sqlite"
                else [c for c in candidates if _key(c.split("."), dialect) == exact]
            )
        if len(candidates) != 1:
            raise UnsafeQuery(f"unknown table {shown!r}; known tables: {_listing(known_tables)}")
        canonical = candidates[0]
        if allowed is not None and not _is_allowed(canonical, allowed, known, dialect):
            raise UnsafeQuery(f"table {shown!r} is not allowed; allowed: {_listing(allowed_tables or ())}")
        read.append(canonical)
    return tuple(dict.fromkeys(read))


def _is_allowed(
    canonical: str,
    allowed: dict[tuple[str, ...], list[str]],
    known: dict[tuple[str, ...], list[str]],
    dialect: Dialect,
) -> bool:
    key = _key(canonical.split("."), dialect)
    entries = allowed.get(_fold(key), [])
    if any(_key(e.split("."), dialect) == key for e in entries):
        return True
    # A case-insensitive match counts only when no other known table shares the folded name
    # (PostgreSQL and MySQL on Linux can hold both "Users" and users).
    return bool(entries) and len(known.get(_fold(key), [])) == 1


# --- the row limit -------------------------------------------------------------------------


def _literal_int(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and str(node.this).isdigit():
        return int(node.this)
    return None


def _impose_limit(root: exp.Expr, cap: int) -> bool:
    """Add or lower the outer LIMIT to `cap`; True when the query was changed."""
    current = root.args.get("limit")
    if isinstance(current, exp.Limit):
        count = _literal_int(current.expression)
        if count is not None and count <= cap:
            return False
        current.set("expression", exp.Literal.number(cap))  # keeps an OFFSET it carries
        return True
    if isinstance(current, exp.Fetch):
        count = _literal_int(current.args.get("count"))
        options = current.args.get("limit_options")
        plain = options is None or not (options.args.get("percent") or options.args.get("with_ties"))
        if count is not None and count <= cap and plain:
            return False
    root.set("limit", exp.Limit(expression=exp.Literal.number(cap)))
    return True
