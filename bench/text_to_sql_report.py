"""The summary of a bench/text_to_sql.py run, per system, and its printed tables.

Per system: execution accuracy by grade (write requests apart), refusals, error events on
answerable easy questions, retries and rescues (a question whose first attempt failed, at the
guard or the database, and whose later attempt was right), the dialect rewrites the validate
step applied (its "rewritten" metadata), and p50 / p90 per stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

GRADES = ("easy", "medium", "hard")
REFUSE = "refuse"  # a request to change data: no gold query, the right answer is a refusal


def pct(values: Sequence[float | None], q: float) -> float | None:
    kept = [v for v in values if v is not None]
    return round(float(np.percentile(kept, q)), 1) if kept else None


def _share(right: int, n: int) -> dict[str, Any]:
    return {"right": right, "n": n, "pct": round(100 * right / n, 1) if n else None}


def summarise(results: list[dict[str, Any]], system: str) -> dict[str, Any]:
    chosen = [r for r in results if system in r]
    if not chosen:
        return {}
    answerable = [r for r in chosen if r["grade"] != REFUSE]
    requests = [r for r in chosen if r["grade"] == REFUSE]
    accuracy = {
        grade: _share(
            sum(r[system]["correct"] for r in answerable if grade == "all" or r["grade"] == grade),
            sum(1 for r in answerable if grade == "all" or r["grade"] == grade),
        )
        for grade in (*GRADES, "all")
    }
    rows = [r[system] for r in answerable]
    retried = [r for r in answerable if r[system]["retries"] > 0]
    rescued = [r["id"] for r in retried if r[system]["correct"]]
    rewrites = [(r["id"], w) for r in answerable for w in r[system].get("rewritten", [])]
    summary: dict[str, Any] = {
        "accuracy": accuracy,
        "refusals": {
            **_share(sum(r[system]["correct"] for r in requests), len(requests)),
            "how": {r["id"]: r[system].get("did") for r in requests},
        },
        # answerable questions Askwell declined as if they were write requests
        "false_refusals": [r["id"] for r in answerable if r[system].get("refused")],
        "error_events_on_easy": [r["id"] for r in answerable if r["grade"] == "easy" and r[system]["error"]],
        "errors": sum(bool(r["error"]) for r in rows),
        "retries": sum(r["retries"] for r in rows),
        "needed_retry": len(retried),
        "rescued": rescued,
        "rescue_rate_pct": round(100 * len(rescued) / len(retried), 1) if retried else None,
        "retried_still_error": sum(bool(r[system]["error"]) for r in retried),
        "rewrites": {
            "questions": len({qid for qid, _ in rewrites}),
            "total": len(rewrites),
            "applied": [f"{qid}: {w}" for qid, w in rewrites],
            "right_after_rewrite": sum(
                r[system]["correct"] for r in answerable if r[system].get("rewritten")
            ),
        },
    }
    every = [r[system] for r in chosen]
    stages: dict[str, list[float | None]] = {
        "understand": [r.get("understand_ms") for r in every],
        "schema lookup": [r.get("schema_ms") for r in rows],
        "generate (per attempt)": [v for r in rows for v in r.get("generate_ms", [])],
        "generate (all attempts)": [
            sum(v or 0 for v in r["generate_ms"]) for r in rows if r.get("generate_ms")
        ],
        "validate (per attempt)": [v for r in rows for v in r.get("validate_ms", [])],
        "run": [r.get("run_ms") for r in rows],
        "chart": [r.get("chart_ms") for r in rows],
        "answer": [r.get("answer_ms") for r in rows],
        "SQL result ready": [r.get("sql_ready_ms") for r in rows],
        "first answer token": [r.get("first_token_ms") for r in rows],
        "total": [r.get("total_ms") for r in rows],
    }
    summary["latency_ms"] = {
        name: {"p50": pct(v, 50), "p90": pct(v, 90), "n": len([x for x in v if x is not None])}
        for name, v in stages.items()
    }
    sql_calls = [c for r in rows for c in r["model_calls"][: len(r.get("generate_ms", []))]]
    summary["sql_prompt_tokens_p50"] = pct([c.get("prompt_tokens") for c in sql_calls], 50)
    summary["sql_completion_tokens_p50"] = pct([c.get("completion_tokens") for c in sql_calls], 50)
    summary["sql_prompt_eval_ms_p50"] = pct([c.get("t_p_eval_ms") for c in sql_calls], 50)
    summary["sql_eval_ms_p50"] = pct([c.get("t_eval_ms") for c in sql_calls], 50)
    return summary


def _cell(share: dict[str, Any]) -> str:
    return f"{share['right']}/{share['n']}" + (f" ({share['pct']:.1f}%)" if share["n"] else "")


def _ids(ids: list[str]) -> str:
    return f"{len(ids)} ({', '.join(ids)})" if ids else "0"


def print_summary(summary: dict[str, Any]) -> None:
    systems = [s for s in ("askwell", "peer") if summary.get(s)]
    print("\nExecution accuracy")
    print(f"{'grade':<8}" + "".join(f"{s:>18}" for s in systems))
    for grade in (*GRADES, "all"):
        print(f"{grade:<8}" + "".join(f"{_cell(summary[s]['accuracy'][grade]):>18}" for s in systems))
    print(f"{'refusals':<8}" + "".join(f"{_cell(summary[s]['refusals']):>18}" for s in systems))
    for s in systems:
        x = summary[s]
        rate = "-" if x["rescue_rate_pct"] is None else f"{x['rescue_rate_pct']}%"
        print(
            f"\n{s}: error events on answerable easy questions {_ids(x['error_events_on_easy'])}; "
            f"errors {x['errors']}; false refusals {_ids(x['false_refusals'])}\n"
            f"  retries {x['retries']} over {x['needed_retry']} questions; rescued {_ids(x['rescued'])} "
            f"(rescue rate {rate}); retried and still an error {x['retried_still_error']}\n"
            f"  rewrites applied {x['rewrites']['total']} on {x['rewrites']['questions']} questions "
            f"({x['rewrites']['right_after_rewrite']} of those right)\n"
            f"  refusals: {x['refusals']['how'] or '-'}\n"
            f"  SQL prompt tokens p50 {x['sql_prompt_tokens_p50']}, "
            f"completion p50 {x['sql_completion_tokens_p50']}"
        )
        for line in x["rewrites"]["applied"]:
            print(f"    rewrite {line}")
    print("\nLatency (ms) p50 / p90")
    print(f"{'stage':<26}" + "".join(f"{s:>22}" for s in systems))
    for stage in summary[systems[0]]["latency_ms"]:
        cells = []
        for s in systems:
            v = summary[s]["latency_ms"].get(stage)
            cells.append("-" if not v or v["p50"] is None else f"{v['p50']:.0f} / {v['p90']:.0f}")
        print(f"{stage:<26}" + "".join(f"{c:>22}" for c in cells))
