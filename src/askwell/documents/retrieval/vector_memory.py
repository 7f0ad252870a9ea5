"""Exact vector search in memory, for the embedded (SQLite) setup.

Each assistant's chunk vectors are held as one float32 matrix; a query is one matrix-
vector product (20 to 40 ms for 200k x 384 on a busy 2-vCPU host), so no approximate index
is kept at this scale. The matrix follows the database, whoever writes it (the app or a
worker process), at O(1) cost per search:

- New chunks: chunk ids only grow (AUTOINCREMENT, never reused) and SQLite commits one
  writer at a time, so chunks above the highest id loaded are the new ones; `max(id)` is
  one seek in the assistant index. They are appended.
- Deleted chunks: the best hits are checked against the table (one primary-key lookup of
  `limit` ids). A deleted chunk among them makes the matrix drop every deleted row and the
  search run again; deleted chunks elsewhere cannot change the result, and go at the next
  such check. (A `count(*)` per search found them sooner but cost 22 ms at 200k chunks.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.documents.retrieval.filters import SearchFilter

_T = TypeVar("_T")
_IN_THREAD_ABOVE = 20_000  # rows; smaller matrices are searched on the event loop


@dataclass
class _AssistantVectors:
    max_id: int = 0  # the highest chunk id loaded (chunks of another embedder included)
    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    documents: list[uuid.UUID] = field(default_factory=list)
    connectors: list[uuid.UUID] = field(default_factory=list)
    matrix: npt.NDArray[np.float32] = field(default_factory=lambda: np.empty((0, 0), dtype=np.float32))

    def keep(self, rows: npt.NDArray[np.bool_]) -> _AssistantVectors:
        return _AssistantVectors(
            max_id=self.max_id,
            ids=self.ids[rows],
            documents=[d for d, k in zip(self.documents, rows, strict=True) if k],
            connectors=[c for c, k in zip(self.connectors, rows, strict=True) if k],
            matrix=self.matrix[rows],
        )


class MemoryVectorIndex:
    def __init__(self) -> None:
        self._by_assistant: dict[uuid.UUID, _AssistantVectors] = {}
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}

    async def search(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: npt.NDArray[np.float32],
        embedder: str,
        limit: int,
    ) -> list[tuple[int, float]]:
        vectors = await self._current(session, where.assistant_id, embedder)
        found = await _rank(vectors, where, query, limit)
        return await self._without_deleted(session, where, vectors, found, query, limit)

    async def search_beside(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: Awaitable[npt.NDArray[np.float32]],
        embedder: str,
        limit: int,
        beside: Callable[[], Coroutine[Any, Any, _T]],
    ) -> tuple[list[tuple[int, float]], _T]:
        """`search`, with the matrix product (a thread) run while `beside()` (the keyword search,
        in the database's thread) runs on `session`; the query vector may still be coming."""
        vectors = await self._current(session, where.assistant_id, embedder)

        async def ranked() -> tuple[npt.NDArray[np.float32], list[tuple[int, float]]]:
            vector = await query
            return vector, await _rank(vectors, where, vector, limit)

        async with asyncio.TaskGroup() as group:  # one failing cancels the other
            ranking, other = group.create_task(ranked()), group.create_task(beside())
        vector, found = ranking.result()
        return await self._without_deleted(session, where, vectors, found, vector, limit), other.result()

    async def _without_deleted(
        self,
        session: AsyncSession,
        where: SearchFilter,
        vectors: _AssistantVectors,
        found: list[tuple[int, float]],
        query: npt.NDArray[np.float32],
        limit: int,
    ) -> list[tuple[int, float]]:
        if not await _deleted(session, [chunk_id for chunk_id, _ in found]):
            return found
        vectors = await self._drop_deleted(session, where.assistant_id, vectors)
        return await _rank(vectors, where, query, limit)

    async def _current(
        self, session: AsyncSession, assistant_id: uuid.UUID, embedder: str
    ) -> _AssistantVectors:
        async with self._locks.setdefault(assistant_id, asyncio.Lock()):
            cached = self._by_assistant.get(assistant_id, _AssistantVectors())
            max_id = await _max_id(session, assistant_id)
            if max_id > cached.max_id:
                cached = await _append(session, assistant_id, embedder, cached, max_id)
                self._by_assistant[assistant_id] = cached
            return cached

    async def _drop_deleted(
        self, session: AsyncSession, assistant_id: uuid.UUID, vectors: _AssistantVectors
    ) -> _AssistantVectors:
        async with self._locks.setdefault(assistant_id, asyncio.Lock()):
            cached = self._by_assistant.get(assistant_id, vectors)
            live = await session.execute(
                text("SELECT id FROM chunks WHERE assistant_id = :a AND id <= :max_id"),
                {"a": assistant_id.hex, "max_id": cached.max_id},
            )
            live_ids = np.fromiter((row[0] for row in live), dtype=np.int64)
            cached = cached.keep(np.isin(cached.ids, live_ids))
            self._by_assistant[assistant_id] = cached
            return cached

    def forget(self, assistant_id: uuid.UUID) -> None:
        self._by_assistant.pop(assistant_id, None)


async def _rank(
    vectors: _AssistantVectors, where: SearchFilter, query: npt.NDArray[np.float32], limit: int
) -> list[tuple[int, float]]:
    if not len(vectors.ids):
        return []
    if len(vectors.ids) > _IN_THREAD_ABOVE:
        scores = await anyio.to_thread.run_sync(np.dot, vectors.matrix, query)
    else:
        scores = vectors.matrix @ query
    if where.connector_ids or where.document_ids:
        allowed = np.fromiter(
            (
                where.allows(document_id=d, connector_id=c)
                for d, c in zip(vectors.documents, vectors.connectors, strict=True)
            ),
            dtype=bool,
            count=len(vectors.ids),
        )
        scores = np.where(allowed, scores, -np.inf)
    top = min(limit, len(scores))
    best = np.argpartition(-scores, top - 1)[:top]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(vectors.ids[i]), float(scores[i])) for i in best if np.isfinite(scores[i])]


async def _max_id(session: AsyncSession, assistant_id: uuid.UUID) -> int:
    statement = text("SELECT coalesce(max(id), 0) FROM chunks WHERE assistant_id = :a")
    return int((await session.execute(statement, {"a": assistant_id.hex})).scalar_one())


async def _deleted(session: AsyncSession, chunk_ids: list[int]) -> set[int]:
    if not chunk_ids:
        return set()
    statement = text("SELECT id FROM chunks WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    present = {int(row[0]) for row in await session.execute(statement, {"ids": chunk_ids})}
    return set(chunk_ids) - present


async def _append(
    session: AsyncSession, assistant_id: uuid.UUID, embedder: str, cached: _AssistantVectors, max_id: int
) -> _AssistantVectors:
    rows = await _load(session, assistant_id, embedder, after_id=cached.max_id)
    kept = [r for r in rows if r[3] is not None]
    ids = np.fromiter((r[0] for r in kept), dtype=np.int64, count=len(kept))
    matrix = cached.matrix
    if kept:
        new = np.vstack([np.frombuffer(r[3] or b"", dtype=np.float32) for r in kept])
        matrix = np.vstack([matrix, new]) if matrix.size else new
    return _AssistantVectors(
        max_id=max(max_id, rows[-1][0] if rows else 0),  # rows committed since max_id was read count too
        ids=np.concatenate([cached.ids, ids]),
        documents=cached.documents + [uuid.UUID(hex=str(r[1])) for r in kept],
        connectors=cached.connectors + [uuid.UUID(hex=str(r[2])) for r in kept],
        matrix=matrix,
    )


async def _load(
    session: AsyncSession, assistant_id: uuid.UUID, embedder: str, *, after_id: int
) -> list[tuple[int, str, str, bytes | None]]:
    """Chunks after `after_id`; the vector is None for documents made by another embedder."""
    result = await session.execute(
        text(
            "SELECT c.id, c.document_id, c.connector_id, "
            "CASE WHEN d.embedder = :embedder THEN c.embedding END "
            "FROM chunks c JOIN documents d ON d.id = c.document_id "
            "WHERE c.assistant_id = :a AND c.id > :after ORDER BY c.id"
        ),
        {"a": assistant_id.hex, "after": after_id, "embedder": embedder},
    )
    return [(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in result]
