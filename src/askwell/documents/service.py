"""Accepting uploads (validation, storage, dedup by content hash) and document CRUD.

The upload request only validates, stores and queues: parsing and embedding happen in
ingestion jobs. Re-uploading an unchanged file (same connector, same name, same bytes)
costs nothing; a changed file is re-ingested and replaces its chunks when ready.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.models import Connector
from askwell.db import utcnow
from askwell.documents.models import Document, DocumentStatus
from askwell.documents.parsing import SUPPORTED_TYPES, detect_type
from askwell.documents.storage import display_name, document_path, remove_document_files
from askwell.errors import Invalid, NotFound, PayloadTooLarge, UnsupportedMediaType


@dataclass
class Upload:
    """One file of a multipart upload, already spooled by the server."""

    name: str
    file: BinaryIO
    size: int


async def get(*, session: AsyncSession, document_id: uuid.UUID) -> Document:
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFound("Document not found", code="document_not_found")
    return document


async def list_for_connector(*, session: AsyncSession, connector_id: uuid.UUID) -> list[Document]:
    query = select(Document).where(Document.connector_id == connector_id).order_by(Document.created_at)
    return list(await session.scalars(query))


async def names_in(*, session: AsyncSession, connector_ids: Sequence[uuid.UUID], limit: int) -> list[str]:
    """Up to `limit` document names of these connectors (what a router can tell the model)."""
    if not connector_ids:
        return []
    rows = await session.scalars(
        select(Document.name).where(Document.connector_id.in_(connector_ids)).limit(limit)
    )
    return list(rows)


def check_uploads(uploads: Sequence[Upload], *, max_bytes: int) -> list[str]:
    """The detected type of each upload; 413/415 naming every bad file, before anything is stored."""
    if not uploads:
        raise Invalid("No files in the upload: send one or more `files` parts", code="no_files")
    too_big = [u.name for u in uploads if u.size > max_bytes]
    if too_big:
        raise PayloadTooLarge(
            f"{', '.join(too_big)}: over the {max_bytes // (1024 * 1024)} MB limit per file "
            "(ASKWELL_MAX_UPLOAD_MB)",
            code="file_too_large",
        )
    types: list[str | None] = []
    for upload in uploads:
        head = upload.file.read(8)
        upload.file.seek(0)
        types.append(detect_type(upload.name, head))
    unsupported = [u.name for u, t in zip(uploads, types, strict=True) if t is None]
    if unsupported:
        raise UnsupportedMediaType(
            f"Unsupported file type: {', '.join(unsupported)}. Supported: "
            + ", ".join(f"{kind} ({description})" for kind, description in SUPPORTED_TYPES.items()),
            code="unsupported_file_type",
        )
    return [t for t in types if t is not None]


async def accept_uploads(
    *,
    session: AsyncSession,
    connector: Connector,
    uploads: Sequence[Upload],
    uploads_dir: Path,
    max_bytes: int,
) -> tuple[list[Document], list[uuid.UUID]]:
    """Store the files and create or update their documents; returns them and the ids to ingest."""
    types = check_uploads(uploads, max_bytes=max_bytes)
    documents: list[Document] = []
    to_ingest: list[uuid.UUID] = []
    for upload, file_type in zip(uploads, types, strict=True):
        name = display_name(upload.name)
        staged = uploads_dir / ".incoming" / uuid.uuid4().hex
        content_hash = await anyio.to_thread.run_sync(_copy_and_hash, upload.file, staged)
        existing = await session.scalar(
            select(Document).where(Document.connector_id == connector.id, Document.name == name)
        )
        if (
            existing is not None
            and existing.content_hash == content_hash
            and existing.status != DocumentStatus.FAILED
        ):
            staged.unlink(missing_ok=True)  # unchanged: nothing to do
            documents.append(existing)
            continue
        document = existing or Document(
            id=uuid.uuid4(),
            connector_id=connector.id,
            assistant_id=connector.assistant_id,
            name=name,
            chunks=0,
        )
        document.type, document.size_bytes, document.content_hash = file_type, upload.size, content_hash
        document.status, document.progress, document.error = DocumentStatus.QUEUED, 0.0, None
        document.updated_at = utcnow()
        if existing is None:
            session.add(document)
        target = document_path(uploads_dir, document.id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        documents.append(document)
        to_ingest.append(document.id)
    await session.flush()
    return documents, to_ingest


def _copy_and_hash(source: BinaryIO, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    source.seek(0)
    with target.open("wb") as out:
        while block := source.read(1024 * 1024):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


async def delete(*, session: AsyncSession, document: Document) -> None:
    """Delete the document and, by cascade, its chunks (call remove_files after the commit)."""
    await session.delete(document)
    await session.flush()


async def remove_files(*, uploads_dir: Path, document_ids: Sequence[uuid.UUID]) -> None:
    for document_id in document_ids:
        await anyio.to_thread.run_sync(remove_document_files, uploads_dir, document_id)
