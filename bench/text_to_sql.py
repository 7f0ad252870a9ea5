"""Text-to-SQL on two databases, Askwell's SQL route vs a one-prompt peer, with the same model.

Execution accuracy by grade, refusals, retries and rescues, dialect rewrites, latency per stage.

    .venv/bin/python bench/text_to_sql.py [--db chinook|company] [--notes demo|none]
        [--limit N] [--only askwell|peer] [--ids e01,m03] [--model local:qwen2.5-coder-1.5b]
    .venv/bin/python bench/text_to_sql.py --db path/to/file.sqlite --questions q.jsonl [--notes none]

Databases (`--db`):

- **chinook**: the `askwell demo` music store (bench/out/chinook.sqlite, built on first use),
  bench/data/chinook_questions.jsonl. `--notes demo` (the default) gives the connector the
  demo's description, docs and examples and the demo assistant's system prompt; `--notes none`
  gives it only what introspection finds, as for any new connector: report the two apart.
- **company**: "the new user's company database" (bench/data/company_db.py builds
  bench/out/company.sqlite on first use, deterministically), bench/data/company_questions.jsonl.
  Nothing was written for it: it has no notes other than `none`.

The questions (written before any tuning on their database) carry a gold query each and a grade
(easy / medium / hard), or the grade "refuse" and no query: a request to change data. For every
question, in this order:

- **askwell**: the real SQL route. The connector is made through the product's own code path
  (bench/text_to_sql_connector.py: SqlKind.seal_config, sql.service.refresh_schema, which
  introspects the database, and SqlKind.plan for each question), and the SQL kind's own stages
  run in phase order over a Turn built as the chat builds one: understand (the intent check),
  route (a database-only assistant: no model call), refuse, write SQL (schema lookup, generate,
  validate: dialect translation and the guard; retries after a guard error), run read-only
  (retries after a database error), chart, answer. An AskwellError out of the stages is what
  the chat sends as an error event. Stage times come from the step events (duration_ms):
  understand, schema lookup, generate and validate (each attempt), run (the run step less
  the retries nested in it), chart, answer; total is the wall-clock of the whole route.
- **peer**: one prompt with the full schema (every table's CREATE TABLE from sqlite_master; no
  description, docs, examples or retrieval), the same model and generation options, the
  reply's SQL taken with the same extract_sql, no guard, no retry, executed directly with
  askwell.sql.execute.run_read_only (still read-only: the database is never written).

The two systems alternate question by question, so machine load falls on both alike. They
share one model instance with the product's prompt-state cache (`local_prompt_cache_mb`,
256 MB by default), so each system's unchanging prompt head (Askwell's schema and notes, the
peer's full schema) can be reused from one question to the next; `ASKWELL_LOCAL_PROMPT_CACHE_MB=0`
turns it off for both.

Scoring (askwell.evaluation.sql_match, shared with the built-in evaluation): a query is right
when its result equals a gold result:
values normalised (numbers rounded to 2 decimals; numeric text as numbers), every gold column
matched by a distinct predicted column in any order (extra predicted columns allowed), rows
compared as multisets, in order only when the gold query has a top-level ORDER BY (or in the
order of the `order_by` columns, for ties). `alt_sql` lists other accepted golds. A write
request is right for Askwell when the route ends in the polite read-only answer with no error
event (the summary says whether the intent check or the guard caught it), and for the peer
when it runs no write (what it did is recorded: read-only, it cannot change anything anyway).

Reported per system (bench/text_to_sql_report.py): accuracy by grade, refusals x/y, error
events on answerable easy questions, retries, rescues (first attempt failed, a later one was
right) and the rescue rate, the dialect rewrites the validate step applied (its "rewritten"
metadata), p50 / p90 per stage.

Prints tables and writes bench/out/text_to_sql-<db>-<notes>-<UTC timestamp>.json (rewritten after every
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
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(BENCH / "data")]

from company_db import build as build_company  # noqa: E402
from text_to_sql_connector import NOTES, BenchConnector, connect  # noqa: E402
from text_to_sql_report import GRADES, REFUSE, print_summary, summarise  # noqa: E402

from askwell.embeddings.registry import EmbedderRegistry  # noqa: E402
from askwell.errors import AskwellError  # noqa: E402
from askwell.evaluation.sql_match import is_ordered, matches  # noqa: E402
from askwell.llm.base import ChatModel, GenerationOptions, Message, ModelChunk  # noqa: E402
from askwell.llm.registry import ModelRegistry  # noqa: E402
from askwell.settings import Settings  # noqa: E402
from askwell.sql.demo import build_chinook, download_fixture, find_fixture  # noqa: E402
from askwell.sql.execute import run_read_only  # noqa: E402
from askwell.sql.intent import READ_ONLY_REFUSAL  # noqa: E402
from askwell.sql.plan import KIND  # noqa: E402
from askwell.sql.prompting import extract_sql  # noqa: E402
from askwell.sql.routing import matched_terms, schema_terms  # noqa: E402
from askwell.sql.stages.write import _SQL_OPTIONS as SQL_OPTIONS  # noqa: E402
from askwell.turn.events import SqlEvent, TableEvent  # noqa: E402
from askwell.turn.state import Turn, TurnDeps  # noqa: E402

PEER_SYSTEM = (
    "You are a SQLite expert. Given the database schema, write one SQL query that answers the "
    "question. Reply with the SQL only, in a ```sql code block."
)
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


async def run_askwell(question: str, bench: Bench) -> dict[str, Any]:
    """One question through the SQL kind's stages, as the chat runs them; an AskwellError the
    stages raise is what the chat turns into an error event."""
    plan = await bench.connector.plan()
    turn = Turn(
        session_id=f"bench-{uuid.uuid4().hex[:8]}",
        assistant_id=uuid.uuid4(),
        question=question,
        system_prompt=bench.connector.system_prompt,
        language=None,
        memory=[],
        memory_is_stored=False,
        version=0,
        plans={KIND: plan},
    )
    model = bench.model
    model.calls = []
    out: dict[str, Any] = {"error": None, "sql": None, "columns": None, "rows": None}
    started = time.perf_counter()
    try:
        for stage in bench.connector.stages:
            async for event in stage.run(turn, bench.deps):
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
    out["refused"] = turn.refused
    steps = {s["step_id"]: s for s in turn.steps.record()}
    out["steps"] = list(steps.values())
    out.update(stage_times(steps))
    out["refused_by"] = refused_by(steps) if turn.refused else None
    out["model_calls"] = model.calls
    out["did"] = askwell_action(out)
    return out


def askwell_action(out: dict[str, Any]) -> str:
    if out["refused"]:
        return f"refused, caught by the {out['refused_by']}"
    if out["error"]:
        return f"error event ({out['error'].split(':')[0]})"
    return "answered with a read query" if out["sql"] else "answered with no query"


def refused_by(steps: dict[str, dict[str, Any]]) -> str:
    understood = (steps.get("understand") or {}).get("metadata", {})
    return "intent check" if understood.get("intent") == "change data" else "guard (the model wrote a write)"


def _duration(step: dict[str, Any] | None) -> float | None:
    return None if step is None else step["metadata"].get("duration_ms")


def stage_times(steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per-stage times, the attempts (SQL, the error that led to each, the guard's verdict) and
    the dialect rewrites of the validate steps."""
    attempts = sorted(int(k.split("_")[1]) for k in steps if k.startswith("sql_") and k[4:].isdigit())
    run = steps.get("run")
    run_ms = _duration(run)
    if run_ms is not None:  # the run step holds the rewrites made after a database error
        nested = [s for s in steps.values() if s.get("parent_id") == "run"]
        run_ms = round(run_ms - sum(_duration(s) or 0 for s in nested), 1)
    validates = [(steps.get(f"validate_{n}") or {}).get("metadata", {}) for n in attempts]
    return {
        "understand_ms": _duration(steps.get("understand")),
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
                "guard_error": checked.get("error"),
                "rewritten": checked.get("rewritten", []),
                "repaired": checked.get("repaired", []),
            }
            for n, checked in zip(attempts, validates, strict=True)
        ],
        "rewritten": [r for checked in validates for r in checked.get("rewritten", [])],
        "retries": max(0, len(attempts) - 1),
    }


def peer_messages(question: str, ddl: str) -> list[Message]:
    return [Message("system", PEER_SYSTEM), Message("user", f"Schema:\n{ddl}\n\nQuestion: {question}")]


async def run_peer(question: str, ddl: str, url: str, model: TimedModel) -> dict[str, Any]:
    model.calls = []
    out: dict[str, Any] = {"error": None, "sql": None, "columns": None, "rows": None, "retries": 0}
    started = time.perf_counter()
    reply = "".join([c.text async for c in model.stream(peer_messages(question, ddl), SQL_OPTIONS)])
    out["generate_ms"] = [_ms(started)]
    out["sql"] = extract_sql(reply)
    out["wrote_write"] = writes(out["sql"])
    ran = time.perf_counter()
    try:
        result = await run_read_only(url, out["sql"], timeout_s=TIMEOUT_S, max_rows=MAX_ROWS)
        out["columns"], out["rows"], out["truncated"] = result.columns, result.rows, result.truncated
    except AskwellError as exc:
        out["error"] = f"{exc.code}: {exc.message}"
    out["run_ms"] = _ms(ran)
    out["total_ms"] = _ms(started)
    out["model_calls"] = model.calls
    out["did"] = peer_action(out)
    return out


def writes(sql: str | None) -> bool:
    """Whether a statement of the query changes data or schema (the peer has no guard to say so)."""
    try:
        statements = sqlglot.parse(sql or "", read="sqlite")
    except sqlglot.errors.ParseError:
        return False
    return any(isinstance(s, exp.DML | exp.DDL) for s in statements if s is not None)


def peer_action(out: dict[str, Any]) -> str:
    if not out["sql"]:
        return "wrote no SQL"
    if out["wrote_write"]:
        ending = "the read-only connection refused it" if out["error"] else "it ran"
        return f"wrote a write; {ending}"
    return "ran a read query" if not out["error"] else "wrote a read query that failed"


# ----------------------------------------------------------------------------- scoring


Gold = tuple[str, list[str], list[list[Any]]]  # sql, columns, rows


async def gold_results(url: str, item: dict[str, Any]) -> list[Gold]:
    results = []
    for sql in [item["sql"], *item.get("alt_sql", [])] if item.get("sql") else []:
        result = await run_read_only(url, sql, timeout_s=60, max_rows=100_000)
        results.append((sql, result.columns, result.rows))
    return results


def score(item: dict[str, Any], golds: Sequence[Gold], out: dict[str, Any], system: str) -> bool:
    """Right when the result matches any gold (see askwell.evaluation.sql_match for the rule). A write
    request is handled right by Askwell when it ends in the read-only answer with no error
    event, by the peer when it runs no write."""
    if item["grade"] == REFUSE:
        if system == "peer":
            return not out["wrote_write"]
        return bool(out["refused"]) and out["answer"] == READ_ONLY_REFUSAL and not out["error"]
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


def ensure_chinook(db: Path, settings: Settings) -> None:
    if not db.is_file():
        fixture = find_fixture() or download_fixture(settings.data_dir / "cache")
        build_chinook(db, fixture=fixture)


def ensure_company(db: Path, settings: Settings) -> None:
    if not db.is_file():
        build_company(db)


def require_file(db: Path, settings: Settings) -> None:
    if not db.is_file():
        raise SystemExit(f"no database at {db}")


@dataclass(frozen=True)
class Database:
    questions: Path
    db: Path
    build: Callable[[Path, Settings], None]
    notes: tuple[str, ...]  # the notes this database has; the first is the default


DATABASES = {
    "chinook": Database(
        BENCH / "data" / "chinook_questions.jsonl",
        BENCH / "out" / "chinook.sqlite",
        ensure_chinook,
        ("demo", "none"),
    ),
    # the new user's database: nothing was written for it, so it has no demo notes
    "company": Database(
        BENCH / "data" / "company_questions.jsonl",
        BENCH / "out" / "company.sqlite",
        ensure_company,
        ("none",),
    ),
}


@dataclass
class Bench:
    settings: Settings
    url: str
    connector: BenchConnector
    model: TimedModel
    deps: TurnDeps
    ddl: str


async def prepare(
    db: Path, build: Callable[[Path, Settings], None], notes: str, model_name: str | None
) -> Bench:
    """The connector as the product sets it up (see text_to_sql_connector), the model, and the
    stages' dependencies; `db` is an absolute path."""
    settings = Settings(data_dir=REPO / "data", sql_sqlite_allowed_dirs=[db.parent])
    build(db, settings)
    connector = await connect(db, notes=notes, settings=settings, embedder=EmbedderRegistry(settings).get())
    model = TimedModel(ModelRegistry(settings).get(model_name or settings.default_model))
    deps = TurnDeps(  # as Runtime.flow_deps builds them; the SQL stages open no Askwell session
        session_factory=None,  # type: ignore[arg-type]
        model=model,  # type: ignore[arg-type]
        options=GenerationOptions(max_tokens=settings.max_answer_tokens, temperature=settings.temperature),
    )
    url = f"sqlite:///{db}"
    return Bench(settings, url, connector, model, deps, full_ddl(db))


def pick_questions(
    questions: list[dict[str, Any]], ids: str | None, limit: int | None
) -> list[dict[str, Any]]:
    if ids:
        wanted = set(ids.split(","))
        questions = [q for q in questions if q["id"] in wanted]
    if limit:
        # the first N of each grade in turn, so a smoke run sees every grade
        by_grade = {g: [q for q in questions if q["grade"] == g] for g in (*GRADES, REFUSE)}
        mixed = [q for group in zip_longest(*by_grade.values()) for q in group if q]
        questions = mixed[:limit]
    return questions


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db", default="chinook", help="chinook | company, or a SQLite file (with --questions)"
    )
    parser.add_argument(
        "--questions", type=Path, default=None, help="default: the named database's questions"
    )
    parser.add_argument(
        "--notes", choices=NOTES, default=None, help="default: demo for chinook, none otherwise"
    )
    parser.add_argument("--model", default=None, help="default: the configured default model")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--ids", default=None, help="comma-separated question ids")
    parser.add_argument("--only", choices=("askwell", "peer"), default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    if args.db in DATABASES:
        database = DATABASES[args.db]
    elif args.questions is None:
        parser.error("--db names a file: give its --questions too")
    else:
        database = Database(args.questions, Path(args.db), require_file, ("none", "demo"))
    notes = args.notes or database.notes[0]
    if notes not in database.notes:
        parser.error(f"--db {args.db} has no {notes} notes (it has: {', '.join(database.notes)})")
    questions = pick_questions(load_questions(args.questions or database.questions), args.ids, args.limit)
    systems = [args.only] if args.only else ["askwell", "peer"]

    bench = await prepare(database.db.resolve(), database.build, notes, args.model)
    settings, url, model = bench.settings, bench.url, bench.model

    # warm-up: load the weights and embed the connector's schema, docs and examples once
    # (cached per config, as in the server after its first question); timed, not scored
    warm: dict[str, float] = {}
    t = time.perf_counter()
    _ = [c async for c in model.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=2))]
    warm["model_load_and_first_call_ms"] = _ms(t)
    if (knowledge := bench.connector.knowledge()) is not None:
        t = time.perf_counter()
        await knowledge.context_for("warm-up", bench.connector.config)
        warm["first_context_for_ms"] = _ms(t)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = args.db if args.db in DATABASES else Path(args.db).stem
    out_path = args.out or BENCH / "out" / f"text_to_sql-{name}-{notes}-{stamp}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    terms = schema_terms(bench.connector.config["schema"])
    report: dict[str, Any] = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv,
        "database": name,
        "notes": notes,
        "machine": machine(),
        "model": model.name,
        "settings": {
            "sql_retries": settings.sql_retries,
            "sql_max_rows": settings.sql_max_rows,
            "answer_max_tokens": settings.max_answer_tokens,
            "answer_temperature": settings.temperature,
            "sql_options": {"max_tokens": SQL_OPTIONS.max_tokens, "temperature": SQL_OPTIONS.temperature},
            "local_threads": settings.local_threads or os.cpu_count(),
            "context_window": model.context_window,
        },
        "connector_config_keys": sorted(k for k, v in bench.connector.config.items() if v),
        "system_prompt": bench.connector.system_prompt,
        "warm_up": warm,
        "peer_prompt": {"system": PEER_SYSTEM, "ddl": bench.ddl},
        "load_average": [],
        "results": [],
    }
    print(
        f"{len(questions)} questions on {name} (notes: {notes}), systems {systems}, model {model.name}; "
        f"writing {out_path}",
        flush=True,
    )
    for index, item in enumerate(questions, 1):
        golds = await gold_results(url, item)
        entry: dict[str, Any] = {
            "id": item["id"],
            "grade": item["grade"],
            "question": item["question"],
            "gold_sql": item.get("sql"),
            "near_variant_of": item.get("near_variant_of"),
            "schema_terms_matched": matched_terms(item["question"], terms),
        }
        for system in systems:
            if system == "askwell":
                result = await run_askwell(item["question"], bench)
            else:
                result = await run_peer(item["question"], bench.ddl, url, model)
            result["correct"] = score(item, golds, result, system)
            result["n_rows"] = None if result["rows"] is None else len(result["rows"])
            result["rows"] = None if result["rows"] is None else result["rows"][:20]  # keep the JSON small
            entry[system] = result
            print(progress_line(index, len(questions), item, system, result), flush=True)
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


def progress_line(index: int, total: int, item: dict[str, Any], system: str, result: dict[str, Any]) -> str:
    extra = ""
    if item["grade"] == REFUSE:
        extra = f"did={result['did']} "
    elif result.get("rewritten"):
        extra = f"rewritten={result['rewritten']} "
    return (
        f"[{index}/{total}] {item['id']} {item['grade']:<6} {system:<7} "
        f"{'RIGHT' if result['correct'] else 'wrong'} retries={result['retries']} "
        f"gen={'+'.join(f'{(g or 0) / 1000:.1f}' for g in result['generate_ms'])}s "
        f"answer={(result.get('answer_ms') or 0) / 1000:.1f}s "
        f"total={result['total_ms'] / 1000:.1f}s load={os.getloadavg()[0]:.2f} "
        f"{extra}{(result['error'] or '')[:100]}"
    )


if __name__ == "__main__":
    asyncio.run(main())
