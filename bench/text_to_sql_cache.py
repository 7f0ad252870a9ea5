"""Prompt-cache experiment for the SQL route: how much of "generate" a prefix cache would save.

    .venv/bin/python bench/text_to_sql_cache.py [--ids e05,m07,...] [--rounds 1]

SqlStage alternates two prompts per question: the SQL prompt (system, description, the whole
schema, then the docs and examples picked for the question) and the answer prompt (another
system prompt). llama.cpp keeps only the last prompt's KV cache, so each SQL prompt is
evaluated from its first token although its first ~950 tokens (system, description, schema)
are the same for every question.

For the given questions, the real stage (text_to_sql.run_askwell) runs twice: "as is", and with
llama-cpp-python's LlamaRAMCache attached to the loaded Llama (`llm.set_cache`), which saves the
state after each call and restores the one with the longest common prefix. Reported per
variant: prompt tokens evaluated (llama.cpp's n_p_eval) and time of the SQL calls, answer
time, total, and whether the SQL written is the same. The first question of each variant
starts cold and is reported apart. Writes bench/out/text_to_sql_cache-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from text_to_sql import ensure_chinook, load_questions, machine, prepare, run_askwell  # noqa: E402

from askwell.llm.base import GenerationOptions, Message  # noqa: E402

DEFAULT_IDS = "e05,m07,e13,m10,h03,m16,e11"


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ids", default=DEFAULT_IDS)
    parser.add_argument("--questions", type=Path, default=BENCH / "data" / "chinook_questions.jsonl")
    parser.add_argument("--db", type=Path, default=BENCH / "out" / "chinook.sqlite")
    parser.add_argument("--capacity-mb", type=int, default=2048)
    args = parser.parse_args()

    wanted = args.ids.split(",")
    by_id = {q["id"]: q for q in load_questions(args.questions)}
    questions = [by_id[i] for i in wanted]
    bench = await prepare(args.db.resolve(), ensure_chinook, "demo", None)
    model = bench.model
    _ = [c async for c in model.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=2))]
    if (knowledge := bench.connector.knowledge()) is not None:
        await knowledge.context_for("warm-up", bench.connector.config)

    report: dict[str, Any] = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv,
        "machine": machine(),
        "variants": {},
    }
    for variant in ("as_is", "ram_cache"):
        if variant == "ram_cache":
            from llama_cpp import LlamaRAMCache

            inner: Any = model._inner
            inner._load().set_cache(LlamaRAMCache(capacity_bytes=args.capacity_mb << 20))
        rows = []
        for item in questions:
            result = await run_askwell(item["question"], bench)
            sql_calls = result["model_calls"][: len(result["generate_ms"])]
            rows.append(
                {
                    "id": item["id"],
                    "sql": result["sql"],
                    "error": result["error"],
                    "generate_ms": result["generate_ms"],
                    "answer_ms": result["answer_ms"],
                    "total_ms": result["total_ms"],
                    "sql_prompt_tokens": [c.get("prompt_tokens") for c in sql_calls],
                    "sql_n_p_eval": [c.get("n_p_eval") for c in sql_calls],
                    "sql_t_p_eval_ms": [c.get("t_p_eval_ms") for c in sql_calls],
                    "answer_n_p_eval": (
                        result["model_calls"][-1].get("n_p_eval") if result["answer"] else None
                    ),
                }
            )
            print(
                f"{variant:<9} {item['id']} generate={result['generate_ms']} "
                f"n_p_eval={rows[-1]['sql_n_p_eval']} answer={result['answer_ms']} "
                f"total={result['total_ms']}",
                flush=True,
            )
        warm = rows[1:]
        report["variants"][variant] = {
            "rows": rows,
            "warm_p50": {
                "sql_n_p_eval": _median([r["sql_n_p_eval"][0] for r in warm if r["sql_n_p_eval"]]),
                "sql_t_p_eval_ms": _median([r["sql_t_p_eval_ms"][0] for r in warm if r["sql_t_p_eval_ms"]]),
                "generate_first_attempt_ms": _median([r["generate_ms"][0] for r in warm if r["generate_ms"]]),
                "answer_ms": _median([r["answer_ms"] for r in warm if r["answer_ms"] is not None]),
                "total_ms": _median([r["total_ms"] for r in warm]),
            },
        }
    as_is, cached = (report["variants"][v]["rows"] for v in ("as_is", "ram_cache"))
    same = [a["sql"] == b["sql"] for a, b in zip(as_is, cached, strict=True)]
    report["same_sql"] = f"{sum(same)}/{len(same)}"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = BENCH / "out" / f"text_to_sql_cache-{stamp}.json"
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    for variant, data in report["variants"].items():
        print(variant, "p50 from the 2nd question:", data["warm_p50"])
    print("same SQL:", report["same_sql"])
    print(f"wrote {out}")


if __name__ == "__main__":
    asyncio.run(main())
