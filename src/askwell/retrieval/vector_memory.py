"""Exact vector search in memory, for the embedded (SQLite) setup.

Each assistant's chunk vectors are held as one float32 matrix; a query is one matrix-
vector product (about 10 ms for 200k x 384 on one core), so no approximate index is
needed at this scale. The matrix follows the database: a cheap (max id, count) check per
search notices new and deleted chunks (chunk ids are never reused); new chunks are
appended, anything else rebuilds the matrix.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import anyio
import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.retrieval.filters import SearchFilter

_IN_THREAD_ABOVE = 20_000  # rows; smaller matrices are searched on the event loop


@dataclass
class _AssistantVectors:
    signature: tuple[int, int] = (0, 0)  # (max chunk id, chunk count) the matrix was built from
    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    documents: list[uuid.UUID] = field(default_factory=list)
    connectors: list[uuid.UUID] = field(default_factory=list)
    matrix: npt.NDArray[np.float32] = field(default_factory=lambda: np.empty((0, 0), dtype=np.float32))


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

    async def _current(
        self, session: AsyncSession, assistant_id: uuid.UUID, embedder: str
    ) -> _AssistantVectors:
        lock = self._locks.setdefault(assistant_id, asyncio.Lock())
        async with lock:
            cached = self._by_assistant.get(assistant_id, _AssistantVectors())
            signature = await _signature(session, assistant_id)
            if signature != cached.signature:
                cached = await _refresh(session, assistant_id, embedder, cached, signature)
                self._by_assistant[assistant_id] = cached
            return cached

    def forget(self, assistant_id: uuid.UUID) -> None:
        self._by_assistant.pop(assistant_id, None)


async def _signature(session: AsyncSession, assistant_id: uuid.UUID) -> tuple[int, int]:
    row = (
        await session.execute(
            text("SELECT coalesce(max(id), 0), count(*) FROM chunks WHERE assistant_id = :a"),
            {"a": assistant_id.hex},
        )
    ).one()
    return int(row[0]), int(row[1])


async def _refresh(
    session: AsyncSession,
    assistant_id: uuid.UUID,
    embedder: str,
    cached: _AssistantVectors,
    signature: tuple[int, int],
) -> _AssistantVectors:
    new_rows = await _load(session, assistant_id, embedder, after_id=cached.signature[0])
    if cached.signature != (0, 0) and cached.signature[1] + len(new_rows) == signature[1]:
        # Only insertions since the last build: append them.
        rows = new_rows
        base = cached
    else:
        rows = (
            await _load(session, assistant_id, embedder, after_id=0)
            if cached.signature != (0, 0)
            else new_rows
        )
        base = _AssistantVectors()
    kept = [r for r in rows if r[3] is not None]
    ids = np.fromiter((r[0] for r in kept), dtype=np.int64, count=len(kept))
    matrix = np.vstack([np.frombuffer(r[3] or b"", dtype=np.float32) for r in kept]) if kept else None
    if matrix is not None and base.matrix.size:
        matrix = np.vstack([base.matrix, matrix])
    return _AssistantVectors(
        signature=signature,
        ids=np.concatenate([base.ids, ids]),
        documents=base.documents + [uuid.UUID(hex=str(r[1])) for r in kept],
        connectors=base.connectors + [uuid.UUID(hex=str(r[2])) for r in kept],
        matrix=matrix if matrix is not None else base.matrix,
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
