"""Fusion and query parsing, on their own."""

from __future__ import annotations

from typing import get_args

from askwell.assistants.schemas import RetrievalSettings
from askwell.documents.retrieval.fusion import Fusion, fuse, normalized_score_fusion, reciprocal_rank_fusion
from askwell.documents.retrieval.keyword import query_terms


def test_rrf_rewards_agreement_and_respects_weights() -> None:
    keyword = [1, 2, 3]
    vector = [3, 4, 1]
    fused = reciprocal_rank_fusion([(keyword, 1.0), (vector, 1.0)], limit=10)
    assert [i for i, _ in fused][:2] == [1, 3]  # found by both
    assert {i for i, _ in fused} == {1, 2, 3, 4}
    vector_only = reciprocal_rank_fusion([(keyword, 0.0), (vector, 1.0)], limit=2)
    assert [i for i, _ in vector_only] == [3, 4]
    assert len(reciprocal_rank_fusion([(keyword, 1.0)], limit=2)) == 2


def test_score_fusion_keeps_a_clear_lead_that_rank_fusion_loses() -> None:
    # Keyword: chunk 1 far ahead of the rest (bm25, lower is better); vector: a near-tie.
    keyword = [(1, -12.0), (2, -3.1), (3, -3.0), (4, -2.9)]
    vector = [(2, 0.62), (3, 0.618), (1, 0.615), (4, 0.60)]
    by_scores = normalized_score_fusion([(keyword, 1.0), (vector, 1.0)], limit=3)
    assert by_scores[0] == (1, 1.75)  # best keyword (1.0) + three quarters of the vector range
    by_rank = fuse([(keyword, 1.0), (vector, 1.0)], limit=3, method="rrf")
    assert by_rank[0][0] == 2  # first and second in the two lists


def test_score_fusion_edge_cases() -> None:
    assert normalized_score_fusion([([(7, 0.5), (8, 0.5)], 1.0)], limit=5) == [(7, 1.0), (8, 1.0)]
    assert normalized_score_fusion([([], 1.0), ([(4, 0.9)], 2.0)], limit=5) == [(4, 2.0)]
    assert normalized_score_fusion([([(1, 0.9), (2, 0.1)], 0.0)], limit=5) == []


def test_query_terms_drop_stopwords_and_punctuation() -> None:
    assert query_terms("What is the PRAGMA for foreign-keys?") == ["pragma", "foreign", "keys"]
    assert query_terms("the of and") == []
    assert query_terms('"; DROP TABLE chunks; --') == ["drop", "table", "chunks"]


def test_an_assistant_can_choose_every_fusion_method() -> None:
    assert get_args(RetrievalSettings.model_fields["fusion"].annotation) == get_args(Fusion)
