"""Text-to-SQL on the Chinook demo: execution accuracy, retries and latency per stage, vs a peer.

    .venv/bin/python bench/text_to_sql.py [--limit N] [--only askwell|peer] [--ids e01,m03]
        [--questions bench/data/chinook_questions.jsonl] [--db bench/out/chinook.sqlite]
        [--model local:qwen2.5-coder-1.5b]

The questions (bench/data/chinook_questions.jsonl, written before any tuning) carry a gold query
each and a grade (easy / medium / hard). For every question, in this order:

- **askwell**: the real SQL route. The script builds a Turn and FlowDeps exactly as the chat
  router does for the `askwell demo` assistant (the connector config holds the introspected
  schema, DEMO_DESCRIPTION, DEMO_DOCS and DEMO_EXAMPLES; the system prompt is the demo
  assistant's) and runs askwell.chat.stages.sql.SqlStage, collecting its events. So it is
  SqlKnowledge.context_for -> sql_messages -> model -> extract_sql -> guard -> run_read_only, with
  retry_messages after a guard or database error (sql_retries = 2, the default), then the
  chart and the short natural-language answer. The route stage is not run: every question is
  sent to SQL. Stage times come from the stage's own step events (duration_ms): schema lookup,
  generate (each attempt), validate (each attempt), run (the run step less the retries
  nested in it), chart, answer; total is the wall-clock of the whole stage.
- **peer**: one prompt with the full schema (every table's CREATE TABLE from sqlite_master; no
  description, docs, examples or retrieval), the same model and generation options, the
  reply's SQL taken with the same extract_sql, no guard, no retry, executed directly with
  askwell.sql.execute.run_read_only (still read-only: the database is never written).

The two systems alternate question by question, so machine load falls on both alike. They
share one model instance with the product's prompt-state cache (`local_prompt_cache_mb`,
256 MB by default), so each system's unchanging prompt head (Askwell's schema and notes, the
peer's full schema) can be reused from one question to the next; `ASKWELL_LOCAL_PROMPT_CACHE_MB=0`
turns it off for both.

Scoring (bench/text_to_sql_score.py): a query is right when its result equals a gold result:
values normalised (numbers rounded to 2 decimals; numeric text as numbers), every gold column
matched by a distinct predicted column in any order (extra predicted columns allowed), rows
compared as multisets, in order only when the gold query has a top-level ORDER BY (or in the
order of the `order_by` columns, for ties). `alt_sql` lists other accepted golds.

Prints tables and writes bench/out/text_to_sql-<UTC timestamp>.json (rewritten after every
question, so an interrupted run keeps what it did). Each model call also records its prompt and
completion tokens, time to first token and llama.cpp's prompt-eval / eval counters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from askwell.chat.stages.sql import _SQL_OPTIONS, SqlStage  # noqa: E402
from text_to_sql_score import is_ordered, matches  # noqa: E402

from askwell.embeddings.registry import EmbedderRegistry  # noqa: E402
from askwell.errors import AskwellError  # noqa: E402
from askwell.llm.base import ChatModel, GenerationOptions, Message, ModelChunk  # noqa: E402
from askwell.llm.registry import ModelRegistry  # noqa: E402
from askwell.settings import Settings  # noqa: E402
from askwell.sql.demo import (  # noqa: E402
    DEMO_DESCRIPTION,
    DEMO_DOCS,
    DEMO_EXAMPLES,
    build_chinook,
    download_fixture,
    find_fixture,
)
from askwell.sql.execute import run_read_only  # noqa: E402
from askwell.sql.introspect import introspect  # noqa: E402
from askwell.sql.knowledge import SqlKnowledge  # noqa: E402
from askwell.sql.prompting import extract_sql  # noqa: E402
from askwell.sql.routing import matched_terms, schema_terms  # noqa: E402
from askwell.turn.events import SqlEvent, TableEvent  # noqa: E402
from askwell.turn.state import FlowDeps, SqlPlan, Turn  # noqa: E402

DEMO_SYSTEM_PROMPT = "You are a data analyst for the Chinook music store. Be brief and precise."  # demo_setup
PEER_SYSTEM = (
    "You are a SQLite expert. Given the database schema, write one SQL query that answers the "
    "question. Reply with the SQL only, in a ```sql code block."
)
GRADES = ("easy", "medium", "hard")
MAX_ROWS = 1000
TIMEOUT_S = 15.0


# ----------------------------------------------------------------------------- model timing


class TimedModel:
    """Wraps the chat model and records each call: tokens, time to first token, llama.cpp counters."""

    def __init__(self, inner: ChatModel) -> None:
        self._inner = inner
        self.name = inner.name
        self.context_window = inner.context_window
        self.calls: list[dict[str, Any]] = []

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]:
        record: dict[str, Any] = {"prompt_chars": sum(len(m.content) for m in messages)}
        before = _perf(self._inner)
        started = time.perf_counter()
        async for chunk in self._inner.stream(messages, options):
            if chunk.text and "ttft_ms" not in record:
                record["ttft_ms"] = _ms(started)
            if chunk.usage is not None:
                record["prompt_tokens"] = chunk.usage.prompt_tokens
                record["completion_tokens"] = chunk.usage.completion_tokens
            yield chunk
        record["total_ms"] = _ms(started)
        after = _perf(self._inner)
        if before and after:
            record.update({k: round(after[k] - before[k], 1) for k in after})
        self.calls.append(record)


def _perf(model: Any) -> dict[str, float] | None:
    """llama.cpp's cumulative prompt-eval and eval counters for a LocalChatModel, else None."""
    llm = getattr(model, "_llm", None)
    if llm is None:
        return None
    try:
        import llama_cpp

        data = llama_cpp.llama_perf_context(llm._ctx.ctx)
    except Exception:
        return None
    return {
        "n_p_eval": data.n_p_eval,
        "t_p_eval_ms": data.t_p_eval_ms,
        "n_eval": data.n_eval,
        "t_eval_ms": data.t_eval_ms,
    }


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# ----------------------------------------------------------------------------- the two systems


async def run_askwell(question: str, plan: SqlPlan, deps: FlowDeps, model: TimedModel) -> dict[str, Any]:
    turn = Turn(
        session_id=f"bench-{uuid.uuid4().hex[:8]}",
        assistant_id=uuid.uuid4(),
        question=question,
        system_prompt=DEMO_SYSTEM_PROMPT,
        language=None,
        memory=[],
        memory_is_stored=False,
        version=0,
        sql=plan,
        route="sql",
    )
    model.calls = []
    out: dict[str, Any] = {"error": None, "sql": None, "columns": None, "rows": None}
    started = time.perf_counter()
    try:
        async for event in SqlStage().run(turn, deps):
            if isinstance(event, SqlEvent):
                out["sql"] = event.sql
                out["sql_ready_ms"] = _ms(started)
            elif isinstance(event, TableEvent):
                out["columns"], out["rows"] = event.columns, event.rows
                out["truncated"] = event.truncated
    except AskwellError as exc:
        out["error"] = f"{exc.code}: {exc.message}"
    out["total_ms"] = _ms(started)
    out["first_token_ms"] = turn.first_token_ms
    out["answer"] = "".join(turn.answer)
    steps = {s["step_id"]: s for s in turn.steps.record()}
    out["steps"] = list(steps.values())
    out.update(_stage_times(steps))
    out["model_calls"] = model.calls
    return out


def _duration(step: dict[str, Any] | None) -> float | None:
    return None if step is None else step["metadata"].get("duration_ms")


def _stage_times(steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    attempts = sorted(int(k.split("_")[1]) for k in steps if k.startswith("sql_"))
    run = steps.get("run")
    run_ms = _duration(run)
    if run_ms is not None:  # the run step holds the rewrites made after a database error
        nested = [s for s in steps.values() if s.get("parent_id") == "run"]
        run_ms = round(run_ms - sum(_duration(s) or 0 for s in nested), 1)
    return {
        "schema_ms": _duration(steps.get("schema")),
        "generate_ms": [_duration(steps[f"sql_{n}"]) for n in attempts],
        "validate_ms": [_duration(steps.get(f"validate_{n}")) for n in attempts if f"validate_{n}" in steps],
        "run_ms": run_ms,
        "chart_ms": _duration(steps.get("chart")),
        "answer_ms": _duration(steps.get("answer")),
        "attempts": [
            {
                "sql": steps[f"sql_{n}"]["metadata"].get("sql"),
                "after_error": steps[f"sql_{n}"]["metadata"].get("after_error"),
                "guard_error": (steps.get(f"validate_{n}") or {}).get("metadata", {}).get("error"),
            }
            for n in attempts
        ],
        "retries": max(0, len(attempts) - 1),
    }


def peer_messages(question: str, ddl: str) -> list[Message]:
    return [Message("system", PEER_SYSTEM), Message("user", f"Schema:\n{ddl}\n\nQuestion: {question}")]


async def run_peer(question: str, ddl: str, url: str, model: TimedModel) -> dict[str, Any]:
    model.calls = []
    out: dict[str, Any] = {"error": None, "sql": None, "columns": None, "rows": None, "retries": 0}
    started = time.perf_counter()
    reply = "".join([c.text async for c in model.stream(peer_messages(question, ddl), _SQL_OPTIONS)])
    out["generate_ms"] = [_ms(started)]
    out["sql"] = extract_sql(reply)
    ran = time.perf_counter()
    try:
        result = await run_read_only(url, out["sql"], timeout_s=TIMEOUT_S, max_rows=MAX_ROWS)
        out["columns"], out["rows"], out["truncated"] = result.columns, result.rows, result.truncated
    except AskwellError as exc:
        out["error"] = f"{exc.code}: {exc.message}"
    out["run_ms"] = _ms(ran)
    out["total_ms"] = _ms(started)
    out["model_calls"] = model.calls
    return out


# ----------------------------------------------------------------------------- scoring


Gold = tuple[str, list[str], list[list[Any]]]  # sql, columns, rows


async def gold_results(url: str, item: dict[str, Any]) -> list[Gold]:
    results = []
    for sql in [item["sql"], *item.get("alt_sql", [])]:
        result = await run_read_only(url, sql, timeout_s=60, max_rows=100_000)
        results.append((sql, result.columns, result.rows))
    return results


def score(item: dict[str, Any], golds: Sequence[Gold], out: dict[str, Any]) -> bool:
    """Right when the result matches any gold (see text_to_sql_score for the rule)."""
    if out.get("error") or out.get("rows") is None:
        return False
    return any(
        matches(
            rows,
            len(columns),
            out["rows"],
            len(out["columns"]),
            ordered=is_ordered(sql),
            order_by=item.get("order_by"),
        )
        for sql, columns, rows in golds
    )


# ----------------------------------------------------------------------------- summary


def pct(values: Sequence[float | None], q: float) -> float | None:
    kept = [v for v in values if v is not None]
    return round(float(np.percentile(kept, q)), 1) if kept else None


def summarise(results: list[dict[str, Any]], system: str) -> dict[str, Any]:
    rows = [r[system] for r in results if system in r]
    if not rows:
        return {}
    accuracy: dict[str, Any] = {}
    for grade in (*GRADES, "all"):
        chosen = [r for r in results if system in r and (grade == "all" or r["grade"] == grade)]
        right = sum(r[system]["correct"] for r in chosen)
        share = round(100 * right / len(chosen), 1) if chosen else None
        accuracy[grade] = {"right": right, "n": len(chosen), "pct": share}
    retried = [r for r in rows if r["retries"] > 0]
    stages: dict[str, list[float | None]] = {
        "schema lookup": [r.get("schema_ms") for r in rows],
        "generate (per attempt)": [v for r in rows for v in r.get("generate_ms", [])],
        "generate (all attempts)": [sum(r["generate_ms"]) for r in rows if r.get("generate_ms")],
        "validate (per attempt)": [v for r in rows for v in r.get("validate_ms", [])],
        "run": [r.get("run_ms") for r in rows],
        "answer": [r.get("answer_ms") for r in rows],
        "SQL result ready": [r.get("sql_ready_ms") for r in rows],
        "first answer token": [r.get("first_token_ms") for r in rows],
        "total": [r.get("total_ms") for r in rows],
    }
    sql_calls = [c for r in rows for c in r["model_calls"][: len(r.get("generate_ms", []))]]
    return {
        "accuracy": accuracy,
        "needed_retry": len(retried),
        "needed_retry_pct": round(100 * len(retried) / len(rows), 1),
        "retried_then_right": sum(r["correct"] for r in retried),
        "retried_still_error": sum(bool(r["error"]) for r in retried),
        "errors": sum(bool(r["error"]) for r in rows),
        "latency_ms": {
            name: {"p50": pct(v, 50), "p90": pct(v, 90), "n": len([x for x in v if x is not None])}
            for name, v in stages.items()
        },
        "sql_prompt_tokens_p50": pct([c.get("prompt_tokens") for c in sql_calls], 50),
        "sql_completion_tokens_p50": pct([c.get("completion_tokens") for c in sql_calls], 50),
        "sql_prompt_eval_ms_p50": pct([c.get("t_p_eval_ms") for c in sql_calls], 50),
        "sql_eval_ms_p50": pct([c.get("t_eval_ms") for c in sql_calls], 50),
    }


def print_summary(summary: dict[str, Any]) -> None:
    systems = [s for s in ("askwell", "peer") if summary.get(s)]
    print("\nExecution accuracy")
    print(f"{'grade':<8}" + "".join(f"{s:>18}" for s in systems))
    for grade in (*GRADES, "all"):
        cells = []
        for s in systems:
            a = summary[s]["accuracy"][grade]
            cells.append(f"{a['right']}/{a['n']}" + (f" ({a['pct']:.1f}%)" if a["n"] else ""))
        print(f"{grade:<8}" + "".join(f"{c:>18}" for c in cells))
    for s in systems:
        x = summary[s]
        print(
            f"{s}: needed >= 1 retry {x['needed_retry']} ({x['needed_retry_pct']}%), of which right "
            f"{x['retried_then_right']}, still an error {x['retried_still_error']}; errors {x['errors']}; "
            f"SQL prompt tokens p50 {x['sql_prompt_tokens_p50']}, "
            f"completion p50 {x['sql_completion_tokens_p50']}"
        )
    print("\nLatency (ms) p50 / p90")
    print(f"{'stage':<26}" + "".join(f"{s:>22}" for s in systems))
    for stage in summary[systems[0]]["latency_ms"]:
        cells = []
        for s in systems:
            v = summary[s]["latency_ms"].get(stage)
            cells.append("-" if not v or v["p50"] is None else f"{v['p50']:.0f} / {v['p90']:.0f}")
        print(f"{stage:<26}" + "".join(f"{c:>22}" for c in cells))


# ----------------------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    mem = next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def load_questions(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def full_ddl(db: Path) -> str:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
    return ";\n\n".join(r[0].strip() for r in rows) + ";"


def ensure_db(db: Path, settings: Settings) -> str:
    """Build the Chinook database at `db` unless it is there; its SQLAlchemy URL."""
    if not db.is_file():
        fixture = find_fixture() or download_fixture(settings.data_dir / "cache")
        build_chinook(db, fixture=fixture)
    return f"sqlite:///{db.resolve()}"


@dataclass
class Bench:
    settings: Settings
    url: str
    schema: dict[str, Any]
    config: dict[str, Any]
    plan: SqlPlan
    model: TimedModel
    knowledge: SqlKnowledge
    deps: FlowDeps
    ddl: str


async def prepare(db: Path, model_name: str | None = None) -> Bench:
    """The demo connector as `askwell demo` sets it up, the model, and the stage's dependencies."""
    settings = Settings(data_dir=REPO / "data")
    url = ensure_db(db, settings)
    schema = await introspect(url)  # what sql_service.refresh_schema stores in the config
    config = {
        "url": url,
        "description": DEMO_DESCRIPTION,
        "docs": DEMO_DOCS,
        "examples": DEMO_EXAMPLES,
        "schema": schema,
    }
    plan = SqlPlan(connector_id=uuid.uuid4(), url=url, dialect=config.get("dialect", "sqlite"), config=config)
    model = TimedModel(ModelRegistry(settings).get(model_name or settings.default_model))
    knowledge = SqlKnowledge(EmbedderRegistry(settings).get())
    deps = FlowDeps(  # as chat/router.py builds them
        session_factory=None,  # type: ignore[arg-type]  # the SQL stage touches neither sessions
        memory=None,  # type: ignore[arg-type]  # nor memory
        model=model,  # type: ignore[arg-type]
        options=GenerationOptions(max_tokens=settings.max_answer_tokens, temperature=settings.temperature),
        memory_turns=settings.memory_turns,
        sql_knowledge=knowledge,
        sql_max_rows=settings.sql_max_rows,
        sql_timeout_s=settings.sql_timeout_s,
        sql_retries=settings.sql_retries,
    )
    return Bench(settings, url, schema, config, plan, model, knowledge, deps, full_ddl(db))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=BENCH / "data" / "chinook_questions.jsonl")
    parser.add_argument("--db", type=Path, default=BENCH / "out" / "chinook.sqlite")
    parser.add_argument("--model", default=None, help="default: the configured default model")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--ids", default=None, help="comma-separated question ids")
    parser.add_argument("--only", choices=("askwell", "peer"), default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    questions = load_questions(args.questions)
    if args.ids:
        wanted = set(args.ids.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    if args.limit:
        # the first N of each grade in turn, so a smoke run sees every grade
        by_grade = {g: [q for q in questions if q["grade"] == g] for g in GRADES}
        mixed = [q for group in zip_longest(*by_grade.values()) for q in group if q]
        questions = mixed[: args.limit]
    systems = [args.only] if args.only else ["askwell", "peer"]

    bench = await prepare(args.db, args.model)
    settings, url, schema, config, plan = bench.settings, bench.url, bench.schema, bench.config, bench.plan
    model, knowledge, deps, ddl = bench.model, bench.knowledge, bench.deps, bench.ddl

    # warm-up: load the weights and embed the docs and examples once (cached per config, as in
    # the server after its first question); timed, not scored
    warm: dict[str, float] = {}
    t = time.perf_counter()
    _ = [c async for c in model.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=2))]
    warm["model_load_and_first_call_ms"] = _ms(t)
    t = time.perf_counter()
    await knowledge.context_for("warm-up", config)
    warm["first_context_for_ms"] = _ms(t)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_path = args.out or BENCH / "out" / f"text_to_sql-{stamp}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    terms = schema_terms(schema)
    report: dict[str, Any] = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv,
        "machine": machine(),
        "model": model.name,
        "settings": {
            "sql_retries": settings.sql_retries,
            "sql_max_rows": settings.sql_max_rows,
            "answer_max_tokens": settings.max_answer_tokens,
            "answer_temperature": settings.temperature,
            "sql_options": {"max_tokens": _SQL_OPTIONS.max_tokens, "temperature": _SQL_OPTIONS.temperature},
            "local_threads": settings.local_threads or os.cpu_count(),
            "context_window": model.context_window,
        },
        "warm_up": warm,
        "peer_prompt": {"system": PEER_SYSTEM, "ddl": ddl},
        "load_average": [],
        "results": [],
    }
    print(
        f"{len(questions)} questions, systems {systems}, model {model.name}; writing {out_path}", flush=True
    )
    for index, item in enumerate(questions, 1):
        golds = await gold_results(url, item)
        entry: dict[str, Any] = {
            "id": item["id"],
            "grade": item["grade"],
            "question": item["question"],
            "gold_sql": item["sql"],
            "near_variant_of": item.get("near_variant_of"),
            "schema_terms_matched": matched_terms(item["question"], terms),
        }
        for system in systems:
            if system == "askwell":
                result = await run_askwell(item["question"], plan, deps, model)
            else:
                result = await run_peer(item["question"], ddl, url, model)
            result["correct"] = score(item, golds, result)
            result["n_rows"] = None if result["rows"] is None else len(result["rows"])
            result["rows"] = None if result["rows"] is None else result["rows"][:20]  # keep the JSON small
            entry[system] = result
            print(
                f"[{index}/{len(questions)}] {item['id']} {item['grade']:<6} {system:<7} "
                f"{'RIGHT' if result['correct'] else 'wrong'} retries={result['retries']} "
                f"gen={'+'.join(f'{g / 1000:.1f}' for g in result['generate_ms'])}s "
                f"answer={(result.get('answer_ms') or 0) / 1000:.1f}s "
                f"total={result['total_ms'] / 1000:.1f}s load={os.getloadavg()[0]:.2f} "
                f"{(result['error'] or '')[:100]}",
                flush=True,
            )
        report["load_average"].append(os.getloadavg())
        report["results"].append(entry)
        report["summary"] = {s: summarise(report["results"], s) for s in systems}
        out_path.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    report["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    loads = [x[0] for x in report["load_average"]]
    if loads:
        report["load_average_1min"] = {
            "min": min(loads),
            "median": round(statistics.median(loads), 2),
            "max": max(loads),
        }
    out_path.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    print_summary(report["summary"])
    print(f"\nload average (1 min) over the run: {report.get('load_average_1min')}")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    asyncio.run(main())
