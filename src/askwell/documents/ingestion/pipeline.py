"""The ingestion pipeline for one document: parse -> split -> embed -> index.

Runs as a job (never inside the upload request). Parsing and splitting are CPU-bound and
run in a worker thread; embedding runs on the embedder's own thread. The index step
replaces the document's chunks in one transaction, and only if the document still exists
with the content this run parsed: a deleted document never comes back, and a newer
upload of the same file wins. Unchanged chunks (same text, same embedder) keep their
vectors, so re-uploading a slightly edited file embeds only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.db import utcnow
from askwell.documents.ingestion.chunking import Chunk as TextChunk
from askwell.documents.ingestion.chunking import split
from askwell.documents.ingestion.tokens import token_counter
from askwell.documents.models import Chunk, Document, DocumentStatus
from askwell.documents.parsing import ParseError, ParseLimits, parse
from askwell.documents.retrieval.service import embedder_signature
from askwell.documents.storage import document_key
from askwell.embeddings.base import Embedder
from askwell.files.base import FileStore
from askwell.jobs.base import TRANSIENT, JobFailed

logger = logging.getLogger(__name__)

_EMBED_BATCH = 64  # chunks per embed call: progress is written between calls
_PROGRESS_EVERY_S = 1.0


@dataclass(frozen=True)
class IngestDeps:
    session_factory: async_sessionmaker[AsyncSession]
    embedder: Embedder
    files: FileStore
    chunk_tokens: int
    chunk_overlap: int
    limits: ParseLimits = field(default_factory=ParseLimits)


class _Superseded(Exception):
    """The document was deleted or replaced while this run worked on it."""


async def ingest_document(document_id: uuid.UUID, deps: IngestDeps) -> None:
    async with deps.session_factory() as session:
        document = await session.get(Document, document_id)
        if document is None or (
            document.status == DocumentStatus.READY and document.indexed_hash == document.content_hash
        ):
            return
        content_hash, name, file_type = document.content_hash, document.name, document.type
        await _set(session, document_id, status=DocumentStatus.PARSING, progress=0.0, error=None)
    try:
        # A worker on another machine reads the file from the store (a temporary copy).
        async with deps.files.local_copy(document_key(document_id, name)) as path:
            chunks, pages = await anyio.to_thread.run_sync(_parse_and_split, path, file_type, deps)
        if not chunks:
            raise ParseError("no text found in the file")
        async with deps.session_factory() as session:
            await _set(
                session,
                document_id,
                status=DocumentStatus.EMBEDDING,
                pages=pages,
                chunks=len(chunks),
                progress=0.0,
                expect_hash=content_hash,
            )
        vectors = await _embed(document_id, chunks, deps, content_hash)
        await _index(document_id, content_hash, chunks, vectors, deps)
        logger.info("ingested %s: %s chunks", name, len(chunks), extra={"document_id": str(document_id)})
    except _Superseded:
        logger.info("ingestion of %s superseded", name, extra={"document_id": str(document_id)})
    except ParseError as exc:
        await _fail(deps, document_id, content_hash, exc.reason)
        raise JobFailed(exc.reason) from None
    except FileNotFoundError:
        reason = "the uploaded file is missing from storage; upload it again"
        await _fail(deps, document_id, content_hash, reason)
        raise JobFailed(reason) from None
    except TRANSIENT:
        raise  # the embedder or the database is away: the job runs again later, from the start
    except Exception:
        logger.exception("ingestion failed", extra={"document_id": str(document_id)})
        reason = "internal error while ingesting; see the server log"
        await _fail(deps, document_id, content_hash, reason)
        raise JobFailed(reason) from None


def _parse_and_split(path: Path, file_type: str, deps: IngestDeps) -> tuple[list[TextChunk], int | None]:
    parsed = parse(path, file_type, deps.limits)
    chunks = split(
        parsed,
        chunk_tokens=deps.chunk_tokens,
        overlap_tokens=deps.chunk_overlap,
        count_tokens=token_counter(),
    )
    return chunks, parsed.pages


def embedding_text(chunk: TextChunk) -> str:
    """What is embedded: the heading path gives a chunk the context of its section."""
    if chunk.heading_path:
        return " > ".join(chunk.heading_path) + "\n" + chunk.text
    return chunk.text


def heading_only(chunk: TextChunk) -> bool:
    """A heading with nothing under it. It is not embedded: its vector would only say what the
    heading paths of its neighbours already say, and such one-liners crowd the vector ranking
    (a lone "INSERT" is close to every question about inserting). Keyword search keeps it."""
    return bool(chunk.heading_path) and chunk.text.strip() == chunk.heading_path[-1]


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _embed(
    document_id: uuid.UUID, chunks: list[TextChunk], deps: IngestDeps, content_hash: str
) -> list[Any]:
    texts = [embedding_text(c) for c in chunks]
    reusable = await _previous_vectors(document_id, deps)
    vectors: list[Any] = [reusable.get(_text_hash(t)) for t in texts]
    todo = [i for i, v in enumerate(vectors) if v is None and not heading_only(chunks[i])]
    last_report = time.monotonic()
    for start in range(0, len(todo), _EMBED_BATCH):
        batch = todo[start : start + _EMBED_BATCH]
        embedded = await deps.embedder.embed([texts[i] for i in batch])
        for i, vector in zip(batch, embedded, strict=True):
            vectors[i] = vector
        if time.monotonic() - last_report >= _PROGRESS_EVERY_S:
            last_report = time.monotonic()
            done = len(chunks) - len(todo) + start + len(batch)
            async with deps.session_factory() as session:
                await _set(
                    session, document_id, progress=round(done / len(chunks), 3), expect_hash=content_hash
                )
    return vectors


async def _previous_vectors(document_id: uuid.UUID, deps: IngestDeps) -> dict[str, Any]:
    signature = embedder_signature(deps.embedder)
    async with deps.session_factory() as session:
        rows = await session.execute(
            select(Chunk.text_hash, Chunk.embedding)
            .join(Document, Document.id == Chunk.document_id)
            .where(Chunk.document_id == document_id, Document.embedder == signature)
        )
        return {text_hash: vector for text_hash, vector in rows if vector is not None}


async def _index(
    document_id: uuid.UUID, content_hash: str, chunks: list[TextChunk], vectors: list[Any], deps: IngestDeps
) -> None:
    async with deps.session_factory() as session:
        document = await session.get(Document, document_id, with_for_update=True)
        if document is None or document.content_hash != content_hash:
            raise _Superseded
        await session.execute(delete(Chunk).where(Chunk.document_id == document_id))
        rows = [
            {
                "document_id": document_id,
                "connector_id": document.connector_id,
                "assistant_id": document.assistant_id,
                "chunk_index": c.index,
                "content": c.text,
                "heading_path": list(c.heading_path),
                "headings": " > ".join(c.heading_path),
                "page_start": c.page_start,
                "page_end": c.page_end,
                "char_start": c.char_start,
                "char_end": c.char_end,
                "token_count": c.token_count,
                "text_hash": _text_hash(embedding_text(c)),
                "embedding": vector,
            }
            for c, vector in zip(chunks, vectors, strict=True)
        ]
        for start in range(0, len(rows), 500):
            await session.execute(insert(Chunk), rows[start : start + 500])
        document.status = DocumentStatus.READY
        document.progress = 1.0
        document.chunks = len(rows)
        document.error = None
        document.indexed_hash = content_hash
        document.embedder = embedder_signature(deps.embedder)
        document.updated_at = utcnow()
        await session.commit()


async def _set(
    session: AsyncSession, document_id: uuid.UUID, *, expect_hash: str | None = None, **values: Any
) -> None:
    statement = update(Document).where(Document.id == document_id)
    if expect_hash is not None:
        statement = statement.where(Document.content_hash == expect_hash)
    result = await session.execute(statement.values(**values, updated_at=utcnow()))
    await session.commit()
    if expect_hash is not None and result.rowcount == 0:  # type: ignore[attr-defined]
        raise _Superseded


async def fail_document(deps: IngestDeps, document_id: uuid.UUID, reason: str) -> None:
    """Mark the document failed whatever content it holds now (its job gave up for good)."""
    async with deps.session_factory() as session:
        await session.execute(
            update(Document)
            .where(Document.id == document_id, Document.status.in_(DocumentStatus.UNFINISHED))
            .values(status=DocumentStatus.FAILED, error=reason, progress=0.0, updated_at=utcnow())
        )
        await session.commit()


async def _fail(deps: IngestDeps, document_id: uuid.UUID, content_hash: str, reason: str) -> None:
    """Mark the document failed (its previous chunks, if any, stay searchable)."""
    async with deps.session_factory() as session:
        await session.execute(
            update(Document)
            .where(Document.id == document_id, Document.content_hash == content_hash)
            .values(status=DocumentStatus.FAILED, error=reason, progress=0.0, updated_at=utcnow())
        )
        await session.commit()
