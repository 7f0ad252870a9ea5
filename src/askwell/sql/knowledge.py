"""What the SQL prompt includes: the relevant tables (as DDL), documentation and examples.

Like Vanna's legacy approach: every table's DDL, every documentation snippet and every
example question is embedded once per connector configuration, and each question brings
the most similar ones. Small schemas (up to SMALL_SCHEMA tables) are always given whole:
picking tables only helps when there are too many to show.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from askwell.embeddings.base import Embedder, Vectors
from askwell.sql.profile import describe

SMALL_SCHEMA = 15
MAX_TABLES = 8
MAX_DOCS = 4
MAX_EXAMPLES = 3
MAX_BRIDGES = 8


@dataclass(frozen=True)
class SqlContext:
    ddl: list[str]  # CREATE TABLE statements of the chosen tables
    tables: list[str]
    docs: list[str]
    examples: list[dict[str, str]]  # {"question", "sql"}
    joins: list[str] = field(default_factory=list)  # how the chosen tables join, from their foreign keys


def render_ddl(table: dict[str, Any]) -> str:
    """A compact CREATE TABLE with keys and references, and what the data says as comments."""
    lines: list[tuple[str, str]] = []  # (definition, comment)
    foreign = {
        column: ref
        for fk in table.get("foreign_keys", [])
        for column, ref in zip(
            fk["columns"], [f"{fk['references']}({c})" for c in fk["ref_columns"]], strict=False
        )
    }
    keys = [c["name"] for c in table["columns"] if c.get("pk")]
    for column in table["columns"]:
        line = f"  {column['name']} {column['type']}"
        if len(keys) == 1 and column.get("pk"):
            line += " PRIMARY KEY"
        if column["name"] in foreign:
            line += f" REFERENCES {foreign[column['name']]}"
        facts = describe(column)
        lines.append((line, " -- " + "; ".join(facts) if facts else ""))
    if len(keys) > 1:  # a composite key is a table constraint; two column-level ones are invalid DDL
        lines.append((f"  PRIMARY KEY ({', '.join(keys)})", ""))
    body = "\n".join(
        definition + ("," if index < len(lines) - 1 else "") + comment
        for index, (definition, comment) in enumerate(lines)
    )
    return f"CREATE TABLE {table['name']} (\n{body}\n);"


def join_paths(tables: list[dict[str, Any]]) -> list[str]:
    """Each foreign key as the join condition to write, then the bridges: two tables joined
    only through a third that references both (Playlist and Track through PlaylistTrack)."""
    names = {t["name"] for t in tables}
    lines, linked = [], set()
    referenced: dict[str, set[str]] = {}
    for t in tables:
        for fk in t.get("foreign_keys", []):
            if fk["references"] not in names:
                continue
            pairs = zip(fk["columns"], fk["ref_columns"], strict=False)
            lines.append(" AND ".join(f"{t['name']}.{a} = {fk['references']}.{b}" for a, b in pairs))
            linked.add(frozenset((t["name"], fk["references"])))
            referenced.setdefault(t["name"], set()).add(fk["references"])
    bridges: list[str] = []
    for bridge, targets in referenced.items():
        for a, b in itertools.combinations(sorted(targets - {bridge}), 2):
            if frozenset((a, b)) not in linked:
                bridges.append(f"{a} and {b} join through {bridge}")
    return lines + bridges[:MAX_BRIDGES]


class SqlKnowledge:
    """Embeds a connector's tables, docs and examples once (per configuration) and picks per question."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._cache: dict[str, tuple[Vectors, Vectors, Vectors]] = {}

    async def context_for(self, question: str, config: dict[str, Any]) -> SqlContext:
        schema = config.get("schema") or {"tables": []}
        allowed = {t.lower() for t in config.get("tables") or []}
        tables = [t for t in schema["tables"] if not allowed or t["name"].lower() in allowed]
        docs: list[str] = list(config.get("docs") or [])
        examples: list[dict[str, str]] = list(config.get("examples") or [])
        if len(tables) <= SMALL_SCHEMA and len(docs) <= MAX_DOCS and len(examples) <= MAX_EXAMPLES:
            chosen_tables, chosen_docs, chosen_examples = tables, docs, examples
        else:
            table_vectors, doc_vectors, example_vectors = await self._vectors(tables, docs, examples)
            query = await self._embedder.embed_query(question)
            chosen_tables = (
                tables
                if len(tables) <= SMALL_SCHEMA
                else _with_neighbours([tables[i] for i in _top(table_vectors, query, MAX_TABLES)], tables)
            )
            chosen_docs = [docs[i] for i in _top(doc_vectors, query, MAX_DOCS)]
            chosen_examples = [examples[i] for i in _top(example_vectors, query, MAX_EXAMPLES)]
        return SqlContext(
            ddl=[render_ddl(t) for t in chosen_tables],
            tables=[t["name"] for t in chosen_tables],
            docs=chosen_docs,
            examples=chosen_examples,
            joins=join_paths(chosen_tables),
        )

    async def _vectors(
        self, tables: list[dict[str, Any]], docs: list[str], examples: list[dict[str, str]]
    ) -> tuple[Vectors, Vectors, Vectors]:
        key = hashlib.sha256(
            json.dumps([tables, docs, examples], sort_keys=True, default=str).encode()
        ).hexdigest()
        if key not in self._cache:
            self._cache[key] = (
                await self._embedder.embed([render_ddl(t) for t in tables]),
                await self._embedder.embed(docs),
                await self._embedder.embed([e["question"] for e in examples]),
            )
        return self._cache[key]


def _top(vectors: Vectors, query: Vectors, k: int) -> list[int]:
    if not len(vectors):
        return []
    scores = vectors @ query
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def _with_neighbours(chosen: list[dict[str, Any]], tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the tables the chosen ones reference, so joins have both ends."""
    names = {t["name"] for t in chosen}
    wanted = names | {fk["references"] for t in chosen for fk in t.get("foreign_keys", [])}
    return [t for t in tables if t["name"] in wanted][: MAX_TABLES + 4]
