"""The evaluation's measures, as pure functions over plain values (no database, no model).

Retrieval follows the docs-devset scorer (../shared/datasets/docs-devset/score.py), so a
built-in run and bench/retrieval.py agree: chunks become documents by first occurrence, and
nDCG@10, Recall@10 and MRR@10 are taken on the first 10 distinct documents with binary
relevance. Answers are scored by SQuAD's token-F1 (lower case, no punctuation or articles).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

K = 10
Key = TypeVar("Key", bound=Hashable)

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
# How the product's prompts ask the model to decline ("say that you don't know"), and the
# usual ways models put it.
_ABSTENTION = re.compile(
    r"\b(i (do not|don't|dont) know|i'm not sure|i am not sure"
    r"|(can ?not|can't|could not|couldn't|unable to) (find|answer|tell)"
    r"|no (information|passage|answer)"
    r"|(passages|documents|sources) do not (contain|say|mention))",
    re.I,
)


def first_occurrence(keys: Iterable[Key]) -> list[Key]:
    """Each key once, at the rank of its first appearance (chunks of one document -> the document)."""
    return list(dict.fromkeys(keys))


def ndcg_at_k(ranked: Sequence[Hashable], relevant: set[Hashable], k: int = K) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, key in enumerate(ranked[:k]) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def recall_at_k(ranked: Sequence[Hashable], relevant: set[Hashable], k: int = K) -> float:
    if not relevant:
        return 0.0
    return sum(1 for key in ranked[:k] if key in relevant) / len(relevant)


def reciprocal_rank(ranked: Sequence[Hashable], relevant: set[Hashable], k: int = K) -> float:
    """1/rank of the first relevant key within the first k (MRR@k once averaged)."""
    return next((1.0 / (i + 1) for i, key in enumerate(ranked[:k]) if key in relevant), 0.0)


def retrieval_scores(ranked: Sequence[Hashable], relevant: set[Hashable], k: int = K) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(ranked, relevant, k),
        "recall@10": recall_at_k(ranked, relevant, k),
        "mrr@10": reciprocal_rank(ranked, relevant, k),
    }


def normalise_answer(text: str) -> list[str]:
    """SQuAD's normalisation: lower case, punctuation and articles dropped, split on whitespace."""
    text = text.lower().translate(_PUNCTUATION)
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, reference: str) -> float:
    predicted, expected = normalise_answer(prediction), normalise_answer(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def is_abstention(answer: str) -> bool:
    """Whether the answer declines (says it does not know) rather than answers."""
    return bool(_ABSTENTION.search(answer))


def precision(hits: int, total: int) -> float | None:
    return hits / total if total else None


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that exist (None: the measure did not apply to that question)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The nearest-rank percentile (as bench/retrieval.py reports latencies)."""
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]
