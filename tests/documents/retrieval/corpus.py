"""A migrated database with one assistant, and chunks written straight into it, for the
keyword and vector search tests (no parsing or embedding model involved)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from askwell.assistants import service as assistant_service
from askwell.assistants.schemas import AssistantCreate
from askwell.connectors.models import Connector
from askwell.documents.models import Chunk, Document, DocumentStatus
from askwell.documents.retrieval.filters import SearchFilter

EMBEDDER = "test:one-hot/8"
DIMENSION = 8


@dataclass
class Corpus:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    assistant_id: uuid.UUID
    connector_id: uuid.UUID

    @property
    def where(self) -> SearchFilter:
        return SearchFilter(assistant_id=self.assistant_id)

    @classmethod
    async def create(cls, engine: AsyncEngine, name: str = "retrieval") -> Corpus:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:
            assistant = await assistant_service.create(
                session=session, assistant_in=AssistantCreate(name=name)
            )
            connector = Connector(assistant_id=assistant.id, type="documents", name="Documents", config={})
            session.add(connector)
            await session.commit()
            return cls(engine, sessions, assistant.id, connector.id)

    def via(self, engine: AsyncEngine) -> Corpus:
        """The same assistant, written through another engine (another process's connection)."""
        return Corpus(
            engine, async_sessionmaker(engine, expire_on_commit=False), self.assistant_id, self.connector_id
        )

    async def add(self, texts: Sequence[str], vectors: Sequence[np.ndarray] | None = None) -> list[int]:
        """A new document holding `texts` as chunks; returns their ids in order."""
        document_id = uuid.uuid4()
        async with self.sessions() as session:
            session.add(
                Document(
                    id=document_id,
                    connector_id=self.connector_id,
                    assistant_id=self.assistant_id,
                    name=f"{document_id.hex[:8]}.txt",
                    type="txt",
                    content_hash=document_id.hex,
                    status=DocumentStatus.READY,
                    chunks=len(texts),
                    embedder=EMBEDDER,
                )
            )
            await session.flush()
            rows = [
                {
                    "document_id": document_id,
                    "connector_id": self.connector_id,
                    "assistant_id": self.assistant_id,
                    "chunk_index": i,
                    "content": content,
                    "heading_path": [],
                    "headings": "",
                    "char_start": 0,
                    "char_end": len(content),
                    "token_count": len(content.split()),
                    "text_hash": f"{i}",
                    "embedding": vectors[i] if vectors is not None else one_hot(0),
                }
                for i, content in enumerate(texts)
            ]
            await session.execute(insert(Chunk), rows)
            await session.commit()
            ids = await session.execute(
                text("SELECT id FROM chunks WHERE document_id = :d ORDER BY chunk_index"),
                {"d": document_id.hex if self.engine.dialect.name == "sqlite" else document_id},
            )
            return [int(row[0]) for row in ids]

    async def analyze(self) -> None:
        """PostgreSQL keeps word frequencies in the planner's statistics: refresh them."""
        if self.engine.dialect.name == "postgresql":
            async with self.engine.begin() as conn:
                await conn.execute(text("ANALYZE chunks"))


def one_hot(i: int, weight: float = 1.0) -> np.ndarray:
    vector = np.zeros(DIMENSION, dtype=np.float32)
    vector[i % DIMENSION] = weight
    return vector
