"""Retriever.search runs the vector search beside the keyword search (SQLite: the matrix
product in a thread; PostgreSQL: a second connection): the result is the fusion of the two
searches run one after the other."""

from __future__ import annotations

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.documents.retrieval.service import Retriever
from askwell.documents.retrieval.vector_memory import MemoryVectorIndex
from tests.documents.retrieval.corpus import DIMENSION, EMBEDDER, Corpus, one_hot


class QueryOnAxis0:
    """Embeds every query as the first axis, for a known vector ranking. (The real embedder's
    hybrid search is covered through the API in tests/documents.)"""

    name = EMBEDDER.rsplit("/", 1)[0]
    dimension = DIMENSION

    async def load(self) -> None:
        return None

    async def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([one_hot(0) for _ in texts])

    async def embed_query(self, text: str) -> np.ndarray:
        return one_hot(0)

    async def aclose(self) -> None:
        return None


async def test_hybrid_search_fuses_both_searches(engine: AsyncEngine) -> None:
    corpus = await Corpus.create(engine)
    texts = ["zebra stripes", "zebra", "lion mane", "stripes and mane", "nothing here"]
    weights = [0.1, 0.2, 0.9, 0.5, 0.7]
    ids = await corpus.add(texts, [one_hot(0, w) + one_hot(1, 1 - w) for w in weights])
    retriever = Retriever(QueryOnAxis0(), MemoryVectorIndex())  # type: ignore[arg-type]
    async with corpus.sessions() as session:
        keyword = await retriever.keyword(session, where=corpus.where, query="zebra stripes")
        vector = await retriever.vector(session, where=corpus.where, query="zebra stripes")
        expected = Retriever.fuse(keyword, vector, top_k=5, vector_weight=2.0)
    async with corpus.sessions() as session:
        found = await retriever.search(
            session, where=corpus.where, query="zebra stripes", top_k=5, vector_weight=2.0
        )
    assert [int(source.id) for source in found] == [chunk_id for chunk_id, _ in expected]
    assert [chunk_id for chunk_id, _ in vector][:2] == [ids[2], ids[4]]  # by weight on axis 0
    assert {chunk_id for chunk_id, _ in keyword} == {ids[0], ids[1], ids[3]}
