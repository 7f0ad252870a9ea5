"""The in-memory vector index (SQLite) follows chunks written or deleted by another
connection, as a worker process writes them, without counting the chunks per search."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.db import create_engine, migrate
from askwell.documents.retrieval.vector_memory import MemoryVectorIndex
from tests.documents.retrieval.corpus import EMBEDDER, Corpus, one_hot


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """The app's engine and a worker's: two connections to one database file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'askwell.db'}"
    app, worker = create_engine(url), create_engine(url)
    await migrate(app)
    try:
        yield app, worker
    finally:
        await app.dispose()
        await worker.dispose()


async def search(index: MemoryVectorIndex, corpus: Corpus, limit: int = 10) -> list[int]:
    async with corpus.sessions() as session:
        found = await index.search(
            session, where=corpus.where, query=one_hot(0), embedder=EMBEDDER, limit=limit
        )
    return [chunk_id for chunk_id, _ in found]


async def test_chunks_added_and_deleted_elsewhere_are_seen(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    app, worker_engine = engines
    corpus = await Corpus.create(app)
    worker = corpus.via(worker_engine)
    index = MemoryVectorIndex()
    low, mid, other = await corpus.add(
        [f"c{i}" for i in range(3)], [one_hot(0, 0.2), one_hot(0, 0.5), one_hot(1)]
    )
    assert await search(index, corpus) == [mid, low, other]

    (best,) = await worker.add(["new"], [one_hot(0, 0.9)])
    assert await search(index, corpus) == [best, mid, low, other]

    async with worker_engine.begin() as conn:  # the best hit goes: the next search must not return it
        await conn.execute(text("DELETE FROM chunks WHERE id = :id"), {"id": best})
    assert await search(index, corpus) == [mid, low, other]

    async with worker_engine.begin() as conn:  # a hit outside the top 1: not returned either
        await conn.execute(text("DELETE FROM chunks WHERE id = :id"), {"id": low})
    assert await search(index, corpus, limit=1) == [mid]
    assert await search(index, corpus) == [mid, other]


async def test_a_replaced_document_is_searched_with_its_new_chunks(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    app, worker_engine = engines
    corpus = await Corpus.create(app)
    index = MemoryVectorIndex()
    (old,) = await corpus.add(["old"], [one_hot(0, 0.9)])
    (kept,) = await corpus.add(["kept"], [one_hot(0, 0.5)])
    assert await search(index, corpus) == [old, kept]
    # As the ingestion pipeline replaces a document: delete its chunks, insert the new ones.
    async with worker_engine.begin() as conn:
        await conn.execute(text("DELETE FROM chunks WHERE id = :id"), {"id": old})
    (new,) = await corpus.add(["new"], [one_hot(0, 0.3)])
    assert await search(index, corpus) == [kept, new]


async def test_search_beside_another_query_gives_the_same_hits(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    app, worker_engine = engines
    corpus = await Corpus.create(app)
    index = MemoryVectorIndex()
    low, best = await corpus.add(["low", "best"], [one_hot(0, 0.2), one_hot(0, 0.9)])

    async def embedding() -> np.ndarray:
        return one_hot(0)

    async def beside_search() -> tuple[list[int], int | None]:
        async with corpus.sessions() as session:
            found, other = await index.search_beside(
                session,
                where=corpus.where,
                query=embedding(),
                embedder=EMBEDDER,
                limit=10,
                beside=functools.partial(session.scalar, text("SELECT count(*) FROM chunks")),
            )
        return [chunk_id for chunk_id, _ in found], other

    assert await beside_search() == ([best, low], 2)
    async with worker_engine.begin() as conn:
        await conn.execute(text("DELETE FROM chunks WHERE id = :id"), {"id": best})
    assert await beside_search() == ([low], 1)
    assert await search(index, corpus) == [low]
