"""The measures on hand-made cases, and retrieval against the docs-devset's own scorer."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import pytest

from askwell.evaluation import metrics
from askwell.evaluation.sql_match import matches
from tests.evaluation.conftest import DATASET


def test_ndcg_recall_and_mrr_on_a_known_ranking() -> None:
    ranked = ["x", "a", "y", "b"]
    relevant = {"a", "b"}
    ideal = 1 + 1 / math.log2(3)
    assert metrics.ndcg_at_k(ranked, relevant) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert metrics.recall_at_k(ranked, relevant) == 1.0
    assert metrics.reciprocal_rank(ranked, relevant) == 0.5
    assert metrics.ndcg_at_k(["a", "b"], relevant) == 1.0
    assert metrics.retrieval_scores(["x", "y"], relevant) == {"ndcg@10": 0.0, "recall@10": 0.0, "mrr@10": 0.0}
    # Only the first 10 count: a hit at rank 11 is a miss.
    assert metrics.reciprocal_rank([*"0123456789", "a"], {"a"}) == 0.0


def test_first_occurrence_turns_chunks_into_documents() -> None:
    assert metrics.first_occurrence(["p.html", "q.html", "p.html", "r.html"]) == [
        "p.html",
        "q.html",
        "r.html",
    ]


def test_token_f1_follows_squad() -> None:
    assert metrics.token_f1("The cat sat.", "a cat sat") == 1.0
    # prediction: cat, on, mat; reference: cat, sat, on, mat -> 3 common; P=1, R=3/4
    assert metrics.token_f1("cat on the mat", "the cat sat on a mat") == pytest.approx(2 * 0.75 / 1.75)
    assert metrics.token_f1("dog", "cat") == 0.0
    assert metrics.token_f1("", "") == 1.0


def test_abstention_mean_and_percentile() -> None:
    assert metrics.is_abstention("I don't know; the passages do not say.")
    assert not metrics.is_abstention("Use VACUUM to shrink the file [1].")
    assert metrics.mean([1.0, None, 0.0]) == 0.5
    assert metrics.mean([None]) is None
    assert metrics.percentile([30.0, 10.0, 20.0, 40.0], 50) == 20.0
    assert metrics.percentile([], 50) is None


def test_sql_results_compare_as_the_bench_does() -> None:
    assert matches([[1, "a"]], 2, [["a", 1.0, 99]], 3, ordered=False)  # columns in any order, extras allowed
    assert not matches([[1], [2]], 1, [[1]], 1, ordered=False)


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("docs_devset_score", DATASET / "score.py")
    if spec is None or spec.loader is None or not (DATASET / "score.py").is_file():
        pytest.skip("the docs-devset scorer is not there")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_retrieval_measures_agree_with_the_dataset_scorer() -> None:
    score = _scorer()
    cases = [
        (["a.html#c1", "b.html#c0", "a.html#c2", "c.html#c0"], {"c.html", "a.html"}),
        ([f"p{i}.html" for i in range(12)], {"p3.html", "p11.html", "zz.html"}),
        (["x.html"], {"y.html"}),
    ]
    for chunks, relevant in cases:
        pages = score.pages_first_occurrence([{"path": c} for c in chunks])
        ours = metrics.retrieval_scores(metrics.first_occurrence(c.split("#")[0] for c in chunks), relevant)
        assert ours == pytest.approx(score.metrics(pages, relevant))
