"""Uploaded documents and their chunks (the searchable units)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime, utcnow
from askwell.documents.vector_type import EmbeddingVector


class DocumentStatus:
    QUEUED = "queued"
    PARSING = "parsing"
    EMBEDDING = "embedding"
    READY = "ready"
    FAILED = "failed"
    UNFINISHED = (QUEUED, PARSING, EMBEDDING)


class Document(IdMixin, TimestampMixin, Base):
    __tablename__ = "documents"

    connector_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connectors.id", ondelete="CASCADE"), index=True
    )
    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    # The content hash whose chunks are in the index (differs from content_hash while a
    # changed file is being re-ingested: the old chunks stay searchable until then).
    indexed_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # "name/dimension" of the embedder that made this document's vectors: search skips
    # (and reports) documents made by another embedder instead of mixing vector spaces.
    embedder: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Chunk(Base):
    __tablename__ = "chunks"
    # AUTOINCREMENT: ids are never reused, so (max id, count) is a reliable change marker
    # for the in-memory vector index (see retrieval.vector_memory).
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    # An integer key: FTS5 rows and the in-memory vector index address chunks by it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    connector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connectors.id", ondelete="CASCADE"))
    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    chunk_index: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[str]] = mapped_column(JSONType, default=list)
    headings: Mapped[str] = mapped_column(Text, default="")  # heading_path as text, for keyword search
    page_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    page_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    char_start: Mapped[int] = mapped_column(Integer, default=0)
    char_end: Mapped[int] = mapped_column(Integer, default=0)
    token_count: Mapped[int] = mapped_column(Integer, default=0)
    text_hash: Mapped[str] = mapped_column(String(64))  # lets a re-ingest reuse unchanged embeddings
    embedding: Mapped[bytes | list[float] | None] = mapped_column(EmbeddingVector(), nullable=True)
