"""Reading a database's schema for the SQL prompt: tables, columns, keys, values, profiles.

Low-cardinality columns get their values listed (text with at most SAMPLE_LIMIT distinct
values, other types with at most OTHER_SAMPLE_LIMIT), so the model writes WHERE Country =
'USA' rather than guessing 'United States'; askwell.sql.profile adds ranges, date formats
and NULL shares. The snapshot is stored in the connector's config and refreshed on demand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, column, func, inspect, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from askwell.errors import Unavailable
from askwell.sql.execute import bad_url_parameter, read_only_engine
from askwell.sql.jsonsafe import to_jsonable
from askwell.sql.profile import profile_columns
from askwell.sql.redact import driver_message, mask_url

SAMPLE_LIMIT = 10
# Integers and booleans: a status code or a flag, not a quantity that happens to repeat.
OTHER_SAMPLE_LIMIT = 5
SAMPLE_MAX_CHARS = 40
# Values of columns like these are unique-ish free text: listing them helps no query.
_UNSAMPLED = (
    "address",
    "phone",
    "fax",
    "email",
    "mail",
    "url",
    "password",
    "postal",
    "zip",
    "comment",
    "note",
)
MAX_TABLES = 200
MAX_SAMPLED_COLUMNS = 400


async def introspect(url: str) -> dict[str, Any]:
    engine = read_only_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(_read_schema)
    except TypeError as exc:
        raise bad_url_parameter(exc, url) from None
    except (SQLAlchemyError, OSError) as exc:
        raise Unavailable(
            f"Cannot read the database schema at {mask_url(url)}: {driver_message(exc, url)[:300]}",
            code="sql_unavailable",
        ) from None
    return {"tables": tables, "introspected_at": datetime.now(UTC).isoformat(timespec="seconds")}


def _read_schema(conn: Connection) -> list[dict[str, Any]]:
    inspector = inspect(conn)
    names = [n for n in inspector.get_table_names() if not n.startswith("sqlite_")][:MAX_TABLES]
    sampled = 0
    tables = []
    for name in sorted(names):
        pk = set(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        fks = [fk for fk in inspector.get_foreign_keys(name) if fk.get("referred_table")]
        keys = pk | {c for fk in fks for c in fk["constrained_columns"]}
        rows = int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
        columns = []
        types = {}
        for info in inspector.get_columns(name):
            entry: dict[str, Any] = {
                "name": info["name"],
                "type": str(info["type"]),
                "pk": info["name"] in pk,
            }
            types[info["name"]] = info["type"]
            limit = _sample_limit(info["type"])
            if (
                limit
                and info["name"] not in (pk if isinstance(info["type"], String) else keys)
                and sampled < MAX_SAMPLED_COLUMNS
                and not any(word in info["name"].lower() for word in _UNSAMPLED)
            ):
                sampled += 1
                samples = _samples(conn, name, info["name"], rows, limit)
                if samples:
                    entry["samples"] = samples
            columns.append(entry)
        profiled = [dict(c, key=c["name"] in keys) for c in columns]
        profile_columns(conn, name, profiled, types, rows)
        for entry, facts in zip(columns, profiled, strict=True):
            entry.update({k: v for k, v in facts.items() if k in ("nulls", "range", "dates")})
            if "samples" in entry:
                entry.pop("range", None)  # every value is listed: the range says nothing more
        foreign_keys = [
            {
                "columns": fk["constrained_columns"],
                "references": fk["referred_table"],
                "ref_columns": fk["referred_columns"],
            }
            for fk in fks
        ]
        tables.append({"name": name, "columns": columns, "foreign_keys": foreign_keys})
    return tables


def _sample_limit(kind: Any) -> int:
    if isinstance(kind, String):
        return SAMPLE_LIMIT
    return OTHER_SAMPLE_LIMIT if isinstance(kind, Integer | Boolean) else 0


def _samples(conn: Connection, table_name: str, column_name: str, rows: int, limit: int) -> list[Any] | None:
    """The column's distinct values when they are categories, else None.

    Categories: few distinct values that repeat (Employee.Title), or every value of a small
    lookup table (MediaType.Name). Few distinct values that never repeat in a larger table are
    one-off free text (Customer.Company is NULL but for ten different companies): not listed.
    """
    col: Any = column(column_name)
    query = select(col).distinct().select_from(table(table_name)).where(col.is_not(None)).limit(limit + 1)
    values = [row[0] for row in conn.execute(query)]
    if len(values) > limit or not values:
        return None
    if rows > limit:
        filled = int(conn.execute(select(func.count(col)).select_from(table(table_name))).scalar_one())
        if filled <= len(values):
            return None
    if all(isinstance(v, str) for v in values):
        return sorted(v[:SAMPLE_MAX_CHARS] for v in values)
    return sorted(to_jsonable(v) for v in values)  # integers and flags keep their type
