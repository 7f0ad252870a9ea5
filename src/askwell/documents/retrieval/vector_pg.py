"""Vector search with pgvector: an HNSW index per embedding dimension (cosine distance)."""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from askwell.documents.retrieval.filters import SearchFilter

logger = logging.getLogger(__name__)


def _vector_literal(vector: npt.NDArray[np.float32]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


async def pg_vector_search(
    session: AsyncSession, *, where: SearchFilter, query: npt.NDArray[np.float32], embedder: str, limit: int
) -> list[tuple[int, float]]:
    dim = int(query.shape[0])
    # pgvector 0.8: keep scanning the HNSW graph until enough rows pass the filters.
    await session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
    statement = text(
        f"SELECT c.id, 1 - (c.embedding::vector({dim}) <=> CAST(:q AS vector({dim}))) AS score "
        "FROM chunks c JOIN documents d ON d.id = c.document_id "
        f"WHERE {where.sql('c')} AND vector_dims(c.embedding) = {dim} AND d.embedder = :embedder "
        f"ORDER BY c.embedding::vector({dim}) <=> CAST(:q AS vector({dim})) LIMIT :limit"
    ).bindparams(*[bindparam(name, expanding=True) for name in where.list_params()])
    params = {
        **where.params(hex_ids=False),
        "q": _vector_literal(query),
        "embedder": embedder,
        "limit": limit,
    }
    rows = await session.execute(statement, params)
    return [(int(row[0]), float(row[1])) for row in rows]


async def ensure_hnsw_index(engine: AsyncEngine, dimension: int) -> None:
    """An HNSW index for `dimension` (the migration creates the one for 384)."""
    name = f"ix_chunks_embedding_{int(dimension)}"
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {name} ON chunks USING hnsw ((embedding::vector({dimension})) "
                f"vector_cosine_ops) WHERE vector_dims(embedding) = {dimension}"
            )
        )
