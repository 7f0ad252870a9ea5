"""Retry experiment for the SQL route: would another retry prompt rescue the failed queries?

    .venv/bin/python bench/text_to_sql_retry.py bench/out/text_to_sql-<stamp>.json

In text_to_sql runs, a retry at temperature 0 mostly wrote the failed query again, word for word.
This replays the questions on which Askwell's first query failed (guard or database error) in
a given run, from that same failed query, with three ways of asking for a correction, each
with up to `sql_retries` (2) tries, each try checked by the guard and run read-only as the
stage does:

- `current`: askwell.sql.prompting.retry_messages with the database's message, as SqlStage;
- `explained`: the same conversation, but the error says what the failing name is: which table
  an alias stands for and its columns, and which tables have the missing column (built
  here from the schema snapshot with sqlglot: a prototype of a column check in the guard);
- `fresh`: not a continuation: the original SQL prompt again, with the failed query and the
  explained error added before the question, asking for a different query;
- `repair`: no model call: when the database says "no such column: a.c" and exactly one table
  of the query has a column c, requalify a.c with that table's alias (a prototype of a
  deterministic fix in the guard), and run again.

Scored like text_to_sql (execution accuracy against the gold). Writes
bench/out/text_to_sql_retry-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from text_to_sql import gold_results, load_questions, machine, prepare, score  # noqa: E402

from askwell.chat.stages.sql import _SQL_OPTIONS  # noqa: E402
from askwell.errors import AskwellError  # noqa: E402
from askwell.llm.base import GenerationOptions, Message  # noqa: E402
from askwell.sql.execute import run_read_only  # noqa: E402
from askwell.sql.guard import guard  # noqa: E402
from askwell.sql.prompting import extract_sql, retry_messages, sql_messages  # noqa: E402

_NO_COLUMN = re.compile(r"no such column: (?:(\w+)\.)?(\w+)", re.IGNORECASE)
STRATEGIES = ("current", "explained", "fresh", "repair")


def explain(sql: str, error: str, schema: dict[str, Any]) -> str:
    """The error, plus what the failing column reference stands for (when it is one)."""
    match = _NO_COLUMN.search(error)
    if not match:
        return error
    alias, column = match.groups()
    columns = {t["name"]: [c["name"] for c in t["columns"]] for t in schema["tables"]}
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
        aliases = {t.alias_or_name.lower(): t.name for t in tree.find_all(exp.Table)}
    except sqlglot.errors.ParseError:
        aliases = {}
    notes = []
    if alias:
        table = next((t for a, t in aliases.items() if a == alias.lower()), None)
        if table in columns:
            notes.append(f"{alias} stands for {table}, whose columns are {', '.join(columns[table])}")
        else:
            named = ", ".join(f"{t} AS {a}" if a != t.lower() else t for a, t in aliases.items())
            notes.append(f"{alias} is not a table or alias of the query (it has {named})")
    holders = [t for t, cols in columns.items() if column.lower() in (c.lower() for c in cols)]
    if holders:
        notes.append(f"{column} is a column of {', '.join(holders)}")
    else:
        notes.append(f"no table has a column {column}")
    return f"{error}. " + "; ".join(notes) + "."


def repair(sql: str, error: str, schema: dict[str, Any]) -> str | None:
    """`sql` with a.c requalified where exactly one table of a.c's own SELECT has a column c."""
    match = _NO_COLUMN.search(error)
    if not match or not match.group(1):
        return None
    alias, column = (g.lower() for g in match.groups())
    columns = {t["name"].lower(): {c["name"].lower() for c in t["columns"]} for t in schema["tables"]}
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.ParseError:
        return None
    changed = False
    for node in list(tree.find_all(exp.Column)):
        if node.table.lower() != alias or node.name.lower() != column:
            continue
        scope = node.find_ancestor(exp.Select)
        if scope is None:
            continue
        holders = {
            t.alias_or_name
            for t in scope.find_all(exp.Table)
            if t.find_ancestor(exp.Select) is scope and column in columns.get(t.name.lower(), set())
        }
        if len(holders) == 1:
            node.set("table", exp.to_identifier(holders.pop()))
            changed = True
    return tree.sql(dialect="sqlite") if changed else None


async def run_repaired(bench: Any, sql: str) -> tuple[str, str | None, Any]:
    schema_tables = [t["name"] for t in bench.schema["tables"]]
    try:
        guarded = guard(sql, dialect="sqlite", allowed_tables=None, known_tables=schema_tables, max_rows=1000)
        result = await run_read_only(bench.url, guarded.sql, timeout_s=15, max_rows=1000)
    except AskwellError as exc:
        return sql, exc.message, None
    return guarded.sql, None, result


def fresh_messages(original: list[Message], failed_sql: str, error: str) -> list[Message]:
    system, user = original
    head, sep, question = user.content.rpartition("\n\nQuestion: ")
    note = (
        f"A previous query for this question failed:\n{failed_sql}\nError: {error}\n"
        "Write a different query that avoids this error."
    )
    return [system, Message("user", f"{head}\n\n{note}{sep}{question}")]


async def attempt(bench: Any, messages: list[Message]) -> tuple[str, str | None, Any]:
    """One generate + guard + run: (sql, error, result)."""
    reply = "".join([c.text async for c in bench.model.stream(messages, _SQL_OPTIONS)])
    sql = extract_sql(reply)
    schema_tables = [t["name"] for t in bench.schema["tables"]]
    try:
        guarded = guard(sql, dialect="sqlite", allowed_tables=None, known_tables=schema_tables, max_rows=1000)
        result = await run_read_only(bench.url, guarded.sql, timeout_s=15, max_rows=1000)
    except AskwellError as exc:
        return sql, exc.message, None
    return guarded.sql, None, result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a bench/out/text_to_sql-*.json file")
    parser.add_argument("--questions", type=Path, default=BENCH / "data" / "chinook_questions.jsonl")
    parser.add_argument("--db", type=Path, default=BENCH / "out" / "chinook.sqlite")
    parser.add_argument("--tries", type=int, default=2)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    args = parser.parse_args()

    strategies = args.strategies.split(",")
    run = json.loads(args.run.read_text(encoding="utf-8"))
    items = {q["id"]: q for q in load_questions(args.questions)}
    failed = [r for r in run["results"] if r.get("askwell", {}).get("retries")]
    bench = await prepare(args.db)
    _ = [c async for c in bench.model.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=2))]
    report: dict[str, Any] = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv,
        "machine": machine(),
        "source_run": str(args.run),
        "questions": [],
    }
    for entry in failed:
        item = items[entry["id"]]
        golds = await gold_results(bench.url, item)
        context = await bench.knowledge.context_for(item["question"], bench.config)
        original = sql_messages(
            question=item["question"],
            context=context,
            dialect="sqlite",
            description=bench.config["description"],
            memory=[],
        )
        first = entry["askwell"]["attempts"][0]
        schema_tables = [t["name"] for t in bench.schema["tables"]]
        if first["guard_error"]:
            failed_sql, error = first["sql"], first["guard_error"]
        else:  # the database refused it: the stage retries with the guard's rendering
            failed_sql = guard(
                first["sql"], dialect="sqlite", allowed_tables=None, known_tables=schema_tables
            ).sql
            error = entry["askwell"]["attempts"][1]["after_error"]
        row: dict[str, Any] = {"id": item["id"], "first_sql": failed_sql, "first_error": error}
        for strategy in strategies:
            messages, sql, message, trace = original, failed_sql, error, []
            started = time.perf_counter()
            result = None
            for _ in range(args.tries):
                if strategy == "repair":
                    fixed = repair(sql, message, bench.schema)
                    if fixed is None:
                        break
                    sql, error_now, result = await run_repaired(bench, fixed)
                    trace.append({"error_shown": message, "sql": sql, "error": error_now})
                    if error_now is None:
                        break
                    message = error_now
                    continue
                explained = explain(sql, message, bench.schema) if strategy != "current" else message
                if strategy == "fresh":
                    messages = fresh_messages(original, sql, explained)
                else:
                    messages = retry_messages(messages, sql, explained)
                sql, error_now, result = await attempt(bench, messages)
                trace.append({"error_shown": explained, "sql": sql, "error": error_now})
                if error_now is None:
                    break
                message = error_now
            out = (
                {"columns": result.columns, "rows": result.rows, "error": None} if result else {"error": "x"}
            )
            row[strategy] = {
                "trace": trace,
                "ran": result is not None,
                "correct": bool(result) and score(item, golds, out),
                "same_as_failed": bool(trace) and trace[0]["sql"].rstrip(";").strip() == failed_sql.strip(),
                "ms": round((time.perf_counter() - started) * 1000),
            }
            print(
                f"{item['id']} {strategy:<9} ran={row[strategy]['ran']} correct={row[strategy]['correct']} "
                f"first retry same as failed={row[strategy]['same_as_failed']}",
                flush=True,
            )
        report["questions"].append(row)
    report["summary"] = {
        s: {
            "ran": sum(q[s]["ran"] for q in report["questions"]),
            "correct": sum(q[s]["correct"] for q in report["questions"]),
            "first_retry_same_as_failed": sum(q[s]["same_as_failed"] for q in report["questions"]),
            "n": len(report["questions"]),
        }
        for s in strategies
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_path = BENCH / "out" / f"text_to_sql_retry-{stamp}.json"
    out_path.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    for strategy, figures in report["summary"].items():
        print(strategy, figures)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    asyncio.run(main())
