"""Fusion and query parsing, on their own."""

from __future__ import annotations

from askwell.documents.retrieval.fusion import reciprocal_rank_fusion
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


def test_query_terms_drop_stopwords_and_punctuation() -> None:
    assert query_terms("What is the PRAGMA for foreign-keys?") == ["pragma", "foreign", "keys"]
    assert query_terms("the of and") == []
    assert query_terms('"; DROP TABLE chunks; --') == ["drop", "table", "chunks"]
