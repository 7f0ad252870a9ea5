"""Search the assistant's documents: keyword, vector, fuse, each a visible sub-step."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from askwell.chat.events import ChatEvent
from askwell.chat.turn import FlowDeps, Turn


class RetrieveStage:
    async def run(self, turn: Turn, deps: FlowDeps) -> AsyncIterator[ChatEvent]:
        plan, retriever = turn.retrieval, deps.retriever
        if turn.route != "documents" or plan is None or retriever is None:
            return
        started = time.perf_counter()
        yield turn.steps.start("retrieve", "Searching documents")
        # The query is embedded (on the embedder's thread) while the keyword search runs (in the
        # database): the sub-steps stay one after the other, their work overlaps.
        embedding = asyncio.ensure_future(retriever.embedder.embed_query(turn.question))
        async with deps.session_factory() as session:
            try:
                yield turn.steps.start("keyword", "keyword search", parent="retrieve")
                keyword = await retriever.keyword(session, where=plan.where, query=turn.question)
                yield turn.steps.finish("keyword", hits=len(keyword))

                yield turn.steps.start("vector", "vector search", parent="retrieve")
                vector = await retriever.vector(
                    session, where=plan.where, query=turn.question, embedding=embedding
                )
                yield turn.steps.finish("vector", hits=len(vector))
            finally:
                embedding.cancel()  # a no-op once done; drops it when the keyword search failed

            yield turn.steps.start("fuse", "fuse", parent="retrieve")
            ranked = retriever.fuse(
                keyword,
                vector,
                top_k=plan.top_k,
                keyword_weight=plan.keyword_weight,
                vector_weight=plan.vector_weight,
            )
            turn.sources = await retriever.load(session, ranked)
            yield turn.steps.finish("fuse", sources=len(turn.sources))
        turn.retrieval_ms = round((time.perf_counter() - started) * 1000, 1)
        yield turn.steps.finish("retrieve", sources=len(turn.sources))
