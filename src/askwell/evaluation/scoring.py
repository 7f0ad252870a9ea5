"""One question's scores and a run's totals, from what the runner stored (no I/O).

Relevance is per expected document: a retrieved chunk matches an expected document when its
name is the same and, where the expectation names a page, the chunk's pages include it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from askwell.evaluation import metrics
from askwell.evaluation.schemas import MODES, ModeMetrics, RunMetrics
from askwell.evaluation.sql_match import is_ordered, matches
from askwell.turn.events import Source

DocumentKey = tuple[str, int | None]


def expected_keys(expected_documents: Sequence[dict[str, Any]]) -> list[DocumentKey]:
    return [(d["name"], d.get("page")) for d in expected_documents]


def document_key(source: Source, expected: Sequence[DocumentKey]) -> DocumentKey:
    """The expected document the source belongs to, else the source's own document."""
    page, page_end = source.metadata.get("page"), source.metadata.get("page_end")
    for name, wanted in expected:
        if name != source.name:
            continue
        if wanted is None or (page is not None and page <= wanted <= (page_end or page)):
            return (name, wanted)
    return (source.name, None)


def ranked_documents(sources: Sequence[Source], expected: Sequence[DocumentKey]) -> list[dict[str, Any]]:
    """The first 10 distinct documents of a ranking, each marked relevant or not."""
    relevant = set(expected)
    seen: dict[DocumentKey, dict[str, Any]] = {}
    for source in sources:
        key = document_key(source, expected)
        if key not in seen:
            seen[key] = {
                "name": source.name,
                "page": source.metadata.get("page"),
                "page_end": source.metadata.get("page_end"),
                "score": source.metadata.get("score"),
                "relevant": key in relevant,
                "key": list(key),
            }
    return list(seen.values())[: metrics.K]


def retrieval_scores(ranked: Sequence[dict[str, Any]], expected: Sequence[DocumentKey]) -> dict[str, float]:
    keys = [tuple(entry["key"]) for entry in ranked]
    return metrics.retrieval_scores(keys, set(expected))


def citations(sources: Sequence[Source], expected: Sequence[DocumentKey]) -> list[dict[str, Any]]:
    """The sources the answer cited ([n]), each checked against the expected documents."""
    cited = []
    for number, source in enumerate(sources, start=1):
        if not source.metadata.get("cited"):
            continue
        inside = document_key(source, expected) in set(expected) if expected else None
        cited.append(
            {
                "number": number,
                "name": source.name,
                "page": source.metadata.get("page"),
                "in_expected": inside,
            }
        )
    return cited


def sql_correct(gold: dict[str, Any], gold_sql: str | None, predicted: dict[str, Any] | None) -> bool:
    """Execution accuracy as bench/text_to_sql.py scores it (askwell.evaluation.sql_match)."""
    if predicted is None:
        return False
    gold_rows, rows = gold.get("rows") or [], predicted.get("rows") or []
    gold_width = len(gold.get("columns") or []) or (len(gold_rows[0]) if gold_rows else 0)
    width = len(predicted.get("columns") or []) or (len(rows[0]) if rows else 0)
    try:
        ordered = bool(gold_sql) and is_ordered(gold_sql or "")
    except Exception:  # a gold query sqlglot cannot parse: compare as a multiset
        ordered = False
    return matches(gold_rows, gold_width, rows, width, ordered=ordered)


def question_scores(
    *,
    item: dict[str, Any],
    retrieved: dict[str, list[dict[str, Any]]],
    answer: str,
    cited: list[dict[str, Any]],
) -> dict[str, Any]:
    expected = expected_keys(item.get("expected_documents") or [])
    scores: dict[str, Any] = {"abstained": metrics.is_abstention(answer)}
    if expected:
        scores["retrieval"] = {mode: retrieval_scores(ranked, expected) for mode, ranked in retrieved.items()}
        judged = [c for c in cited if c["in_expected"] is not None]
        scores["citation_precision"] = metrics.precision(sum(c["in_expected"] for c in judged), len(judged))
    if item.get("expected_answer"):
        scores["answer_f1"] = metrics.token_f1(answer, item["expected_answer"])
    return scores


def run_metrics(results: Sequence[dict[str, Any]]) -> RunMetrics:
    """Means over the questions each measure applies to; errors are counted, not scored."""
    ok = [r for r in results if not r.get("error")]
    retrieval: dict[str, ModeMetrics] = {}
    for mode in MODES:
        per = [r["scores"]["retrieval"][mode] for r in ok if mode in r["scores"].get("retrieval", {})]
        retrieval[mode] = ModeMetrics(
            ndcg_at_10=metrics.mean(p["ndcg@10"] for p in per),
            recall_at_10=metrics.mean(p["recall@10"] for p in per),
            mrr_at_10=metrics.mean(p["mrr@10"] for p in per),
            questions=len(per),
        )
    stages = sorted({stage for r in ok for stage in r["latency_ms"]})
    latency = {}
    for stage in stages:
        p50 = metrics.percentile([r["latency_ms"][stage] for r in ok if stage in r["latency_ms"]], 50)
        if p50 is not None:
            latency[stage] = round(p50, 1)
    sql = [r["scores"]["sql_correct"] for r in ok if "sql_correct" in r["scores"]]
    return RunMetrics(
        retrieval=retrieval,
        answer_f1=metrics.mean(r["scores"].get("answer_f1") for r in ok),
        citation_precision=metrics.mean(r["scores"].get("citation_precision") for r in ok),
        abstention_rate=metrics.mean(float(r["scores"]["abstained"]) for r in ok) if ok else None,
        sql_execution_accuracy=metrics.mean(float(s) for s in sql),
        latency_p50_ms=latency,
        questions=len(results),
        errors=len(results) - len(ok),
    )
