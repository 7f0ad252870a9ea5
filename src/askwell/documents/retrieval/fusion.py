"""Merging the keyword and vector rankings into one.

Two ways, chosen per assistant (`RetrievalSettings.fusion`):
- "rrf", reciprocal rank fusion: by rank only, so raw scores that cannot be compared (bm25
  against cosine) never meet. Robust, but blind to how far apart two candidates are.
- "scores", score-normalised fusion: each list's scores are rescaled to [0, 1] between its
  best and its worst candidate, then summed with the weights (a chunk missing from a list
  gets 0 from it). A clear keyword winner keeps its lead; a near-tie stays a near-tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks

Fusion = Literal["rrf", "scores"]
Ranking = Sequence[tuple[int, float]]  # (id, score), best first


def fuse(
    rankings: Sequence[tuple[Ranking, float]], *, limit: int, method: Fusion = "rrf"
) -> list[tuple[int, float]]:
    """`rankings` are (ranking, weight) pairs; returns (id, fused score) best first."""
    if method == "scores":
        return normalized_score_fusion(rankings, limit=limit)
    return reciprocal_rank_fusion(
        [([i for i, _ in ranking], weight) for ranking, weight in rankings], limit=limit
    )


def reciprocal_rank_fusion(
    rankings: Sequence[tuple[Sequence[int], float]], *, limit: int, k: int = RRF_K
) -> list[tuple[int, float]]:
    """`rankings` are (ids best first, weight) pairs; returns (id, fused score) best first."""
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        if weight <= 0:
            continue
        for rank, item in enumerate(ids, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return _best(scores, limit)


def normalized_score_fusion(
    rankings: Sequence[tuple[Ranking, float]], *, limit: int
) -> list[tuple[int, float]]:
    """Min-max normalised scores, weighted and summed. Only the order of a list is assumed
    (best first), not the direction of its scores: bm25 (lower is better) works as is."""
    scores: dict[int, float] = {}
    for ranking, weight in rankings:
        if weight <= 0 or not ranking:
            continue
        best, worst = ranking[0][1], ranking[-1][1]
        spread = best - worst
        for item, score in ranking:
            # A list whose candidates all score alike gives each its full weight.
            share = (score - worst) / spread if spread else 1.0
            scores[item] = scores.get(item, 0.0) + weight * share
    return _best(scores, limit)


def _best(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
