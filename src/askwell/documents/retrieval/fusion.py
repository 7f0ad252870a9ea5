"""Reciprocal rank fusion: merge ranked lists by rank, not by incomparable raw scores."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks


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
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
