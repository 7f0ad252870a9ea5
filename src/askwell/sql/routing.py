"""Routing a question to the documents or to the database.

Schema-term overlap decides the clear cases without a model call (no schema word at all:
documents; two or more: database); the model, with a one-word prompt, settles the rest;
if its reply is not one of the two words, overlap decides after all. The reason is shown
as the route step's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from askwell.llm.base import ChatModel, GenerationOptions, Message

Route = Literal["documents", "sql"]

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_GENERIC = frozenset({"id", "name", "date", "type", "value", "code", "the", "and", "for", "with", "from"})
_DATA_WORDS = frozenset(
    {
        "how",
        "many",
        "count",
        "total",
        "sum",
        "average",
        "avg",
        "top",
        "most",
        "least",
        "highest",
        "lowest",
        "per",
        "by",
        "number",
        "revenue",
        "sales",
        "list",
        "rank",
    }
)


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    reason: str
    matched: tuple[str, ...] = ()


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def schema_terms(schema: dict[str, Any]) -> set[str]:
    """Words from table and column names (snake_case and CamelCase split) and sample values."""
    terms: set[str] = set()

    def add(text: str) -> None:
        for part in _CAMEL.sub(" ", text.replace("_", " ")).split():
            if len(part) > 2 and part.lower() not in _GENERIC:
                terms.add(_stem(part))

    for table in schema.get("tables", []):
        add(table["name"])
        for column in table.get("columns", []):
            add(column["name"])
            for value in column.get("samples", []) or []:
                if isinstance(value, str) and len(value) < 40:
                    add(value)
    return terms


def matched_terms(question: str, terms: Iterable[str]) -> list[str]:
    vocabulary = set(terms)
    return sorted({_stem(w) for w in _WORD.findall(question)} & vocabulary)


async def route_question(
    question: str, *, schema: dict[str, Any], description: str, document_names: list[str], model: ChatModel
) -> RouteDecision:
    matched = tuple(matched_terms(question, schema_terms(schema)))
    if not matched:
        return RouteDecision("documents", "no table or column of the database is mentioned")
    if len(matched) >= 2:
        return RouteDecision("sql", f"mentions database terms: {', '.join(matched)}", matched)
    answer = await _ask_model(
        question, schema=schema, description=description, documents=document_names, model=model
    )
    if answer in ("sql", "documents"):
        return RouteDecision(
            answer,
            f"the model chose {'the database' if answer == 'sql' else 'the documents'}"
            f" (database terms: {', '.join(matched)})",
            matched,
        )
    data_question = bool({w.lower() for w in _WORD.findall(question)} & _DATA_WORDS)
    route: Route = "sql" if data_question else "documents"
    return RouteDecision(
        route,
        f"database term {matched[0]!r}"
        + (" in a data question" if data_question else " but not a data question"),
        matched,
    )


async def _ask_model(
    question: str, *, schema: dict[str, Any], description: str, documents: list[str], model: ChatModel
) -> Route | None:
    tables = ", ".join(t["name"] for t in schema.get("tables", [])[:40])
    prompt = [
        Message("system", "You route questions. Reply with exactly one word: database or documents."),
        Message(
            "user",
            f"Database ({description[:300]}) with tables: {tables}.\n"
            f"Documents: {', '.join(documents[:15]) or 'uploaded files'}.\n"
            f"Question: {question}\nWhich one answers it?",
        ),
    ]
    reply = "".join(
        [c.text async for c in model.stream(prompt, GenerationOptions(max_tokens=4, temperature=0))]
    )
    word = reply.strip().lower().strip(".!*` ")
    if word.startswith("database") or word.startswith("sql"):
        return "sql"
    if word.startswith("document"):
        return "documents"
    return None
