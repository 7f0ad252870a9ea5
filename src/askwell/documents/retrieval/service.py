"""Hybrid retrieval: keyword and vector candidates fused by reciprocal rank, as Sources.

`Retriever.search` is the one orchestration: the chat's retrieve stage and the search
endpoint both call it. A caller that shows its work passes `steps`, which hears when
each part (keyword, vector, fuse, rerank) starts and ends.

With a reranker, the best `rerank_candidates` (at least `top_k`) are loaded and reordered by
it, and the best `top_k` of that order kept. A reranker that fails (down, slow, misconfigured)
never fails the search: the fused order is kept, and the "rerank" part says so.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from askwell.documents.models import Chunk, Document
from askwell.documents.retrieval.filters import SearchFilter
from askwell.documents.retrieval.fusion import Fusion, fuse
from askwell.documents.retrieval.keyword import keyword_search
from askwell.documents.retrieval.schemas import SearchMode
from askwell.documents.retrieval.vector_memory import MemoryVectorIndex
from askwell.documents.retrieval.vector_pg import pg_vector_search
from askwell.embeddings.base import Embedder, EmbeddingSpec, Vectors
from askwell.errors import AskwellError, Unavailable
from askwell.rerankers.registry import RerankerRegistry
from askwell.turn.events import Source

logger = logging.getLogger(__name__)

CANDIDATES = 50  # per retriever, before fusion
Ranked = list[tuple[int, float]]


class SearchSteps(Protocol):
    """Hears the parts of a search: "keyword", "vector", "fuse", "rerank".

    "rerank" finishes with `model`, `candidates` and `fallback` (True when the reranker failed
    and the fused order was kept; `error` then says why)."""

    def started(self, part: str) -> None: ...

    def finished(self, part: str, **metadata: Any) -> None: ...


class _Silent:
    def started(self, part: str) -> None:
        pass

    def finished(self, part: str, **metadata: Any) -> None:
        pass


async def _reported(steps: SearchSteps, part: str, work: Awaitable[Ranked]) -> Ranked:
    steps.started(part)
    found = await work
    steps.finished(part, hits=len(found))
    return found


def embedder_signature(embedder: Embedder) -> str:
    spec = EmbeddingSpec.of(embedder)
    return f"{spec.name}/{spec.dimension}"


class Retriever:
    """Keyword search, vector search, fusion: callable one by one (the chat shows each as a
    sub-step) or together through `search`."""

    def __init__(
        self, embedder: Embedder, memory_index: MemoryVectorIndex, rerankers: RerankerRegistry | None = None
    ) -> None:
        self.embedder = embedder
        self._memory_index = memory_index
        self._rerankers = rerankers

    async def search(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: str,
        top_k: int,
        mode: SearchMode = "hybrid",
        keyword_weight: float = 1.0,
        vector_weight: float = 1.0,
        fusion: Fusion = "rrf",
        reranker: str | None = None,
        rerank_candidates: int = 20,
        steps: SearchSteps | None = None,
    ) -> list[Source]:
        """The best `top_k` chunks for `query`; reordered by `reranker` ("provider:model") when set."""
        steps = steps or _Silent()
        sources = await self._retrieve(
            session,
            where=where,
            query=query,
            top_k=max(top_k, rerank_candidates) if reranker else top_k,
            mode=mode,
            keyword_weight=keyword_weight,
            vector_weight=vector_weight,
            fusion=fusion,
            steps=steps,
        )
        if reranker is None or not sources:
            return sources
        return await self.rerank(reranker, query=query, sources=sources, top_k=top_k, steps=steps)

    async def rerank(
        self,
        reranker: str,
        *,
        query: str,
        sources: list[Source],
        top_k: int,
        steps: SearchSteps | None = None,
    ) -> list[Source]:
        """The best `top_k` of `sources` by the reranker's scores, or of their own order when it fails.

        Each reordered source's `score` becomes the reranker's; `retrieval_score` keeps the one
        it was ranked by before.
        """
        steps = steps or _Silent()
        steps.started("rerank")
        try:
            if self._rerankers is None:
                raise Unavailable("This retriever was built without rerankers", code="invalid_reranker")
            scores = await self._rerankers.get(reranker).rerank(query, [s.content for s in sources])
        except AskwellError as exc:
            logger.warning("Reranker %s failed, the fused order is kept: %s", reranker, exc.message)
            steps.finished(
                "rerank", model=reranker, candidates=len(sources), fallback=True, error=exc.message
            )
            return sources[:top_k]
        order = sorted(range(len(sources)), key=lambda i: (-scores[i], i))[:top_k]
        reranked = [
            sources[i].model_copy(
                update={
                    "metadata": {
                        **sources[i].metadata,
                        "score": round(scores[i], 6),
                        "retrieval_score": sources[i].metadata["score"],
                    }
                }
            )
            for i in order
        ]
        steps.finished("rerank", model=reranker, candidates=len(sources), fallback=False)
        return reranked

    async def aclose(self) -> None:
        if self._rerankers is not None:
            await self._rerankers.aclose()

    async def _retrieve(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: str,
        top_k: int,
        mode: SearchMode,
        keyword_weight: float,
        vector_weight: float,
        fusion: Fusion,
        steps: SearchSteps,
    ) -> list[Source]:
        if mode == "keyword":
            keyword = await _reported(steps, "keyword", self.keyword(session, where=where, query=query))
            return await self.load(session, keyword[:top_k])
        # A remote embedder learns its dimension (part of the vectors' signature) on first use.
        await self.embedder.load()
        # The query is embedded (in a thread, or by a remote service) while the keyword search
        # runs (in the database's thread or server): the two take similar times.
        embedding = asyncio.ensure_future(self.embedder.embed_query(query))
        try:
            if mode == "hybrid":
                keyword, vector = await self._both(
                    session, where=where, query=query, embedding=embedding, steps=steps
                )
            else:
                keyword = []
                vector = await _reported(
                    steps, "vector", self._vector_search(session, where=where, vector=await embedding)
                )
        finally:
            embedding.cancel()  # a no-op once done; drops the embedding if a search failed
        if mode == "vector":
            return await self.load(session, vector[:top_k])
        steps.started("fuse")
        sources = await self.load(
            session,
            self.fuse(
                keyword,
                vector,
                top_k=top_k,
                keyword_weight=keyword_weight,
                vector_weight=vector_weight,
                method=fusion,
            ),
        )
        steps.finished("fuse", sources=len(sources))
        return sources

    async def _both(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: str,
        embedding: Awaitable[Vectors],
        steps: SearchSteps,
    ) -> tuple[Ranked, Ranked]:
        """Keyword and vector candidates, the vector search run beside the keyword search: on
        SQLite the matrix product (a thread), on PostgreSQL the HNSW search on a second
        connection. Each takes ~15-20 ms at 200k chunks (bench/RESULTS.md, retrieval)."""

        def keyword() -> Coroutine[Any, Any, Ranked]:
            return _reported(steps, "keyword", self.keyword(session, where=where, query=query))

        if session.get_bind().dialect.name == "sqlite":
            steps.started("keyword")
            steps.started("vector")

            async def keyword_found() -> Ranked:
                found = await self.keyword(session, where=where, query=query)
                steps.finished("keyword", hits=len(found))
                return found

            vector, found = await self._memory_index.search_beside(
                session,
                where=where,
                query=embedding,
                embedder=embedder_signature(self.embedder),
                limit=CANDIDATES,
                beside=keyword_found,
            )
            steps.finished("vector", hits=len(vector))
            return found, vector
        if not isinstance(session.bind, AsyncEngine):  # bound to one connection: one at a time
            found = await keyword()
            vector = await _reported(
                steps, "vector", self._vector_search(session, where=where, vector=await embedding)
            )
            return found, vector
        engine = session.bind

        async def vector_search() -> Ranked:
            async with AsyncSession(engine) as other:
                return await self._vector_search(other, where=where, vector=await embedding)

        async with asyncio.TaskGroup() as group:  # one failing cancels the other
            keyword_task = group.create_task(keyword())
            vector_task = group.create_task(_reported(steps, "vector", vector_search()))
        return keyword_task.result(), vector_task.result()

    async def keyword(
        self, session: AsyncSession, *, where: SearchFilter, query: str
    ) -> list[tuple[int, float]]:
        return await keyword_search(session, where=where, query=query, limit=CANDIDATES)

    async def vector(
        self,
        session: AsyncSession,
        *,
        where: SearchFilter,
        query: str,
        embedding: Awaitable[Vectors] | None = None,
    ) -> list[tuple[int, float]]:
        """Vector candidates; `embedding` is the query's, when its embedding was started earlier."""
        vector = await (embedding if embedding is not None else self.embedder.embed_query(query))
        return await self._vector_search(session, where=where, vector=vector)

    async def _vector_search(
        self, session: AsyncSession, *, where: SearchFilter, vector: Vectors
    ) -> list[tuple[int, float]]:
        signature = embedder_signature(self.embedder)
        if session.get_bind().dialect.name == "postgresql":
            return await pg_vector_search(
                session, where=where, query=vector, embedder=signature, limit=CANDIDATES
            )
        return await self._memory_index.search(
            session, where=where, query=vector, embedder=signature, limit=CANDIDATES
        )

    @staticmethod
    def fuse(
        keyword: Sequence[tuple[int, float]],
        vector: Sequence[tuple[int, float]],
        *,
        top_k: int,
        keyword_weight: float = 1.0,
        vector_weight: float = 1.0,
        method: Fusion = "rrf",
    ) -> list[tuple[int, float]]:
        return fuse([(keyword, keyword_weight), (vector, vector_weight)], limit=top_k, method=method)

    @staticmethod
    async def load(session: AsyncSession, ranked: Sequence[tuple[int, float]]) -> list[Source]:
        """The ranked chunks as Sources (chunks deleted meanwhile are skipped)."""
        return await _to_sources(session, ranked)


async def _to_sources(session: AsyncSession, ranked: Sequence[tuple[int, float]]) -> list[Source]:
    if not ranked:
        return []
    ids = [chunk_id for chunk_id, _ in ranked]
    rows = await session.execute(
        select(Chunk, Document.name, Document.type)
        .join(Document, Document.id == Chunk.document_id)
        .where(Chunk.id.in_(ids))
    )
    found = {chunk.id: (chunk, name, type_) for chunk, name, type_ in rows}
    sources = []
    for chunk_id, score in ranked:
        if chunk_id not in found:
            continue  # deleted between ranking and loading
        chunk, name, type_ = found[chunk_id]
        sources.append(
            Source(
                id=str(chunk.id),
                name=name,
                type=type_,
                content=chunk.content,
                metadata={
                    "file_name": name,
                    "page": chunk.page_start,
                    "page_end": chunk.page_end,
                    "score": round(score, 6),
                    "document_id": str(chunk.document_id),
                    "connector_id": str(chunk.connector_id),
                    "chunk_index": chunk.chunk_index,
                    "heading_path": chunk.heading_path,
                    "char_start": chunk.char_start,
                    "char_end": chunk.char_end,
                },
            )
        )
    return sources


def filter_for(
    assistant_id: uuid.UUID, connector_ids: Sequence[uuid.UUID] = (), document_ids: Sequence[uuid.UUID] = ()
) -> SearchFilter:
    return SearchFilter(
        assistant_id=assistant_id, connector_ids=tuple(connector_ids), document_ids=tuple(document_ids)
    )
