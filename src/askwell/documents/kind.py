"""The documents kind: files uploaded to a connector, ingested into chunks, searched per turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.assistants.schemas import RetrievalSettings
from askwell.connectors.kinds import AfterCommit, Check, KindServices, SealedConfig
from askwell.connectors.models import Connector
from askwell.documents import service
from askwell.documents.ingestion.pipeline import IngestDeps
from askwell.documents.ingestion.tasks import INGEST, find_orphans, ingest_task
from askwell.documents.parsing import ParseLimits
from askwell.documents.retrieval.router import router as search_router
from askwell.documents.retrieval.service import Retriever, filter_for
from askwell.documents.retrieval.vector_memory import MemoryVectorIndex
from askwell.documents.router import router as upload_router
from askwell.documents.stages import KIND, RetrievalPlan, RetrieveStage
from askwell.errors import Invalid
from askwell.jobs.base import Task
from askwell.rerankers.registry import RerankerRegistry
from askwell.turn.state import Phase, Stage

# The kind's endpoints: uploads (list, status, delete) and search.
_router = APIRouter()
_router.include_router(upload_router)
_router.include_router(search_router)


class DocumentsKind:
    name: ClassVar[str] = KIND
    title: ClassVar[str] = "Documents"
    router: ClassVar[APIRouter | None] = _router

    def __init__(self, services: KindServices) -> None:
        # One in-memory vector index per runtime: SQLite's vector search (pgvector needs none).
        settings = services.settings
        self.retriever = Retriever(services.embedder, MemoryVectorIndex(), RerankerRegistry(settings))
        self._files = services.files
        self._stages: dict[Phase, Sequence[Stage]] = {Phase.GATHER: [RetrieveStage(self.retriever)]}
        ingest = IngestDeps(
            session_factory=services.session_factory,
            embedder=services.embedder,
            files=services.files,
            chunk_tokens=settings.chunk_tokens,
            chunk_overlap=settings.chunk_overlap,
            limits=ParseLimits(
                max_uncompressed_bytes=settings.parse_max_uncompressed_mb * 1024 * 1024,
                max_compression_ratio=settings.parse_max_compression_ratio,
                max_members=settings.parse_max_zip_members,
                max_pages=settings.parse_max_pages,
                max_image_pixels=settings.parse_max_image_megapixels * 1_000_000,
                ocr_engine=None if settings.ocr_engine == "none" else settings.ocr_engine,
            ),
        )
        self._tasks = {INGEST: ingest_task(ingest)}
        self._checks = [find_orphans(services.jobs, services.session_factory)]

    def seal_config(self, raw: dict[str, Any], *, previous: Connector | None) -> SealedConfig:
        if raw:
            raise Invalid("A documents connector takes no config", code="invalid_config")
        return SealedConfig(config={})

    async def plan(
        self, *, session: AsyncSession, assistant: Assistant, connectors: Sequence[Connector]
    ) -> RetrievalPlan:
        # Planned even before any file is ready: the search then finds nothing, and says so.
        return RetrievalPlan(
            where=filter_for(assistant.id, [c.id for c in connectors]),
            settings=RetrievalSettings.of(assistant.retrieval),
        )

    def stages(self) -> Mapping[Phase, Sequence[Stage]]:
        return self._stages

    async def on_saved(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        return None

    async def on_delete(self, *, session: AsyncSession, connector: Connector) -> AfterCommit:
        documents = await service.list_for_connector(session=session, connector_id=connector.id)
        ids = [d.id for d in documents]

        async def remove_files() -> None:
            await service.remove_files(files=self._files, document_ids=ids)

        return remove_files

    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def checks(self) -> Sequence[Check]:
        return self._checks
