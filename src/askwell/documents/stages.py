"""The documents kind's part of a turn: search the assistant's documents before the answer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from askwell.assistants.schemas import RetrievalSettings
from askwell.documents.retrieval.filters import SearchFilter
from askwell.documents.retrieval.service import Retriever
from askwell.ops import metrics
from askwell.turn.events import ChatEvent, Source
from askwell.turn.state import GENERATE, Turn, TurnDeps

KIND = "documents"
_LABELS = {"keyword": "keyword search", "vector": "vector search", "fuse": "fuse", "rerank": "rerank"}


@dataclass(frozen=True)
class RetrievalPlan:
    """Where and how this turn searches (from the assistant's retrieval settings)."""

    where: SearchFilter
    settings: RetrievalSettings


class _StepEvents:
    """The retriever's parts as sub-steps of "retrieve", queued for the stage to yield."""

    def __init__(self, turn: Turn) -> None:
        self._turn = turn
        self.queue: asyncio.Queue[ChatEvent | None] = asyncio.Queue()

    def started(self, part: str) -> None:
        self.queue.put_nowait(self._turn.steps.start(part, _LABELS.get(part, part), parent="retrieve"))

    def finished(self, part: str, **metadata: Any) -> None:
        self.queue.put_nowait(self._turn.steps.finish(part, **metadata))


class RetrieveStage:
    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = turn.plan(KIND, RetrievalPlan)
        if turn.route != GENERATE or plan is None:
            return
        started = time.perf_counter()
        turn.searched = True
        yield turn.steps.start("retrieve", "Searching documents")
        steps = _StepEvents(turn)

        async def search() -> list[Source]:
            async with deps.session_factory() as session:
                return await self._retriever.search(
                    session,
                    where=plan.where,
                    query=turn.question,
                    top_k=plan.settings.top_k,
                    steps=steps,
                    **plan.settings.search_options(),
                )

        # The search runs as a task while its sub-steps are yielded as they happen: keyword and
        # vector search overlap (on PostgreSQL on two connections), so they may end in any order.
        task = asyncio.ensure_future(search())
        task.add_done_callback(lambda _: steps.queue.put_nowait(None))
        try:
            while (event := await steps.queue.get()) is not None:
                yield event
            found = task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        turn.sources.extend(found)  # beside what other kinds gathered
        elapsed = time.perf_counter() - started
        turn.retrieval_ms = round(elapsed * 1000, 1)
        metrics.observe_retrieval(elapsed)
        yield turn.steps.finish("retrieve", sources=len(found))
