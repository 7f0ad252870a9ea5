"""The long-lived objects of one server process: engine, sessions, memory, models, jobs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from askwell.auth.security import signing_key
from askwell.chat.flows import FlowDeps
from askwell.chat.memory import MemoryStore, create_memory_store
from askwell.chat.passage_budget import PassageBudget
from askwell.connectors.kinds import KindServices, KnowledgeKinds
from askwell.connectors.secrets import CredentialBox
from askwell.db import create_engine, create_session_factory, migrate
from askwell.documents.kind import DocumentsKind
from askwell.documents.retrieval.service import Retriever
from askwell.documents.retrieval.vector_pg import ensure_hnsw_index
from askwell.embeddings.base import Embedder
from askwell.embeddings.registry import EmbedderRegistry
from askwell.evaluation.tasks import evaluation_tasks
from askwell.files.base import FileStore
from askwell.files.registry import create_file_store
from askwell.jobs.queue import JobQueue
from askwell.jobs.setup import Role, build_queue
from askwell.llm.base import ChatModel, GenerationOptions
from askwell.llm.registry import ModelRegistry
from askwell.ops import metrics
from askwell.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    memory: MemoryStore
    models: ModelRegistry
    embedders: EmbedderRegistry
    jobs: JobQueue
    signing_key: str
    credentials: CredentialBox
    kinds: KnowledgeKinds
    files: FileStore  # uploaded files' bytes (ASKWELL_FILE_STORE), shared by API and workers

    @property
    def retriever(self) -> Retriever:
        """The documents kind's retriever (the search endpoint, benchmarks)."""
        documents = self.kinds.get("documents")
        assert isinstance(documents, DocumentsKind)
        return documents.retriever

    def flow_deps(self, model: ChatModel) -> FlowDeps:
        """What a chat turn with `model` runs on."""
        return FlowDeps(
            session_factory=self.session_factory,
            model=model,
            options=GenerationOptions(
                max_tokens=self.settings.max_answer_tokens, temperature=self.settings.temperature
            ),
            kinds=self.kinds,
            memory=self.memory,
            memory_turns=self.settings.memory_turns,
            passage_budget=PassageBudget(self.settings.local_passages, self.settings.local_passage_tokens)
            if self.settings.local_passage_tokens
            else None,
        )

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        run_migrations: bool = True,
        start_jobs: bool = True,
        role: Role = "api",
        concurrency: int | None = None,
    ) -> Runtime:
        """Everything one process needs. `role`: "api" (`askwell serve`), "worker" (`askwell
        worker`: receives jobs from Redis) or "cli"; `start_jobs`: connect the job queue (and,
        where this process runs jobs, start running them)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url)
        if run_migrations:
            await migrate(engine)
        session_factory = create_session_factory(engine)
        embedders = EmbedderRegistry(settings)
        embedder = embedders.get()
        if engine.dialect.name == "postgresql":
            await _ensure_vector_index(engine, embedder)
        jobs = build_queue(
            settings,
            session_factory,
            role=role,
            concurrency=concurrency,
            on_job=lambda job, outcome, seconds: metrics.observe_job(job.task, outcome, seconds),
            on_stats=lambda stats: metrics.set_queue_depth(stats.counts),
        )
        files = create_file_store(settings)
        credentials = CredentialBox(
            settings.credentials_key.get_secret_value() if settings.credentials_key else signing_key(settings)
        )
        runtime = cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            memory=create_memory_store(
                redis_url=settings.redis_url,
                max_sessions=settings.memory_max_sessions,
                ttl_s=settings.memory_ttl_s,
                timeout_s=settings.redis_timeout_s,
            ),
            models=ModelRegistry(settings),
            embedders=embedders,
            jobs=jobs,
            signing_key=signing_key(settings),
            credentials=credentials,
            files=files,
            kinds=KnowledgeKinds(
                KindServices(
                    settings=settings,
                    session_factory=session_factory,
                    embedder=embedder,
                    credentials=credentials,
                    jobs=jobs,
                    files=files,
                )
            ),
        )
        for kind in runtime.kinds.all():  # every process can run every kind's jobs
            jobs.register(kind.tasks())
            for check in kind.checks():
                jobs.add_check(check)
        jobs.register(evaluation_tasks(runtime))
        if start_jobs:
            await jobs.start()
        return runtime

    async def warm(self) -> None:
        """Load the embedder and the default chat model ahead of the first request.

        A local model takes seconds to load; without this the first person to ask waits for
        it. Failures are only logged: the request that needs the model reports them properly.
        """
        started = time.perf_counter()
        try:
            await self.embedders.get().load()
            model = self.models.get(self.settings.default_model)
            warm = getattr(model, "warm", None)  # only local models have weights to load
            if warm is not None:
                await warm()
        except Exception as exc:  # a warm-up must never take the server down
            logger.warning("Warm-up stopped: %s", getattr(exc, "message", None) or repr(exc))
            return
        logger.info("Models ready in %.1f s", time.perf_counter() - started)

    async def close(self) -> None:
        await self.jobs.close()
        await self.files.close()
        for model in self.models.forget_all():  # remote models hold HTTP clients
            if (aclose := getattr(model, "aclose", None)) is not None:
                await aclose()
        await self.embedders.aclose()
        await self.retriever.aclose()  # its rerankers' connections
        await self.memory.close()
        await self.engine.dispose()


async def _ensure_vector_index(engine: AsyncEngine, embedder: Embedder) -> None:
    """pgvector's HNSW index is per dimension: make sure the configured embedder's exists."""
    try:
        dimension = embedder.dimension
    except Exception:  # a remote model not in the catalogue learns its dimension on first use
        logger.warning(
            "Embedding dimension unknown until first use; vector search runs unindexed until a restart"
        )
        return
    await ensure_hnsw_index(engine, dimension)
