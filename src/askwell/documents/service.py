"""Accepting uploads (validation, storage, dedup by content hash) and document CRUD.

The upload request only validates, stores and queues: parsing and embedding happen in
ingestion jobs. Re-uploading an unchanged file (same connector, same name, same bytes)
costs nothing; a changed file is re-ingested and replaces its chunks when ready.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.connectors.models import Connector
from askwell.db import utcnow
from askwell.documents.models import Document, DocumentStatus
from askwell.documents.parsing import SUPPORTED_TYPES, detect_type, real_kind
from askwell.documents.storage import display_name, document_key, document_prefix
from askwell.errors import Invalid, NotFound, PayloadTooLarge, Unavailable, UnsupportedMediaType
from askwell.files.base import FileStore, StoredFile

logger = logging.getLogger(__name__)


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
    # Names in messages are the cleaned display names: a raw one may carry controls or overrides.
    too_big = [display_name(u.name) for u in uploads if u.size > max_bytes]
    if too_big:
        raise PayloadTooLarge(
            f"{', '.join(too_big)}: over the {max_bytes // (1024 * 1024)} MB limit per file "
            "(ASKWELL_MAX_UPLOAD_MB)",
            code="file_too_large",
        )
    types: list[str | None] = []
    mismatched: list[str] = []
    for upload in uploads:
        head = upload.file.read(8)
        upload.file.seek(0)
        types.append(detect_type(upload.name, head))
        if kind := real_kind(upload.name, head):
            mismatched.append(f"{display_name(upload.name)} is a {kind}")
    if mismatched:
        raise UnsupportedMediaType(
            f"{'; '.join(mismatched)}, not what its name says: upload it under its real type",
            code="file_type_mismatch",
        )
    unsupported = [display_name(u.name) for u, t in zip(uploads, types, strict=True) if t is None]
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
    files: FileStore,
    max_bytes: int,
) -> tuple[list[Document], list[uuid.UUID]]:
    """Store the files and create or update their documents; returns them and the ids to ingest.

    Every file is stored before the session writes anything: on SQLite the store (the
    database store, another connection) would otherwise wait for this session's write lock.
    A failure removes what this call stored for new documents.
    """
    types = check_uploads(uploads, max_bytes=max_bytes)
    planned: dict[str, _Planned] = {}  # by name: a name given twice, the later file wins
    stored: list[_Planned] = []
    try:
        for upload, file_type in zip(uploads, types, strict=True):
            name = display_name(upload.name)
            plan = planned.get(name)
            if plan is None:
                existing = await session.scalar(
                    select(Document).where(Document.connector_id == connector.id, Document.name == name)
                )
                document_id = existing.id if existing is not None else uuid.uuid4()
                plan = planned[name] = _Planned(name=name, existing=existing, document_id=document_id)
            upload.file.seek(0)
            # An unchanged file is written again under its own key: the same bytes, atomically.
            plan.file = await files.put(document_key(plan.document_id, name), upload.file)
            plan.file_type = file_type
            stored.append(plan)
        documents = [_apply(session, connector, plan) for plan in stored]
        await session.flush()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await _discard(files, [p.document_id for p in planned.values() if p.existing is None and p.file])
        raise
    to_ingest = list(dict.fromkeys(p.document_id for p in stored if p.changed))
    return documents, to_ingest


@dataclass
class _Planned:
    """One document of an upload: its row (if it exists), and the file stored for it."""

    name: str
    existing: Document | None
    document_id: uuid.UUID
    file: StoredFile | None = None
    file_type: str = ""
    changed: bool = False
    document: Document | None = None


async def _discard(files: FileStore, document_ids: list[uuid.UUID]) -> None:
    """Remove the files stored for documents that will not exist (best effort: the store may
    be what failed, and the caller's error is the one to report)."""
    try:
        await remove_files(files=files, document_ids=document_ids)
    except (Unavailable, OSError) as exc:
        logger.warning("Could not remove the files of a failed upload: %s", exc)


def _apply(session: AsyncSession, connector: Connector, plan: _Planned) -> Document:
    assert plan.file is not None
    existing = plan.document or plan.existing
    if (
        existing is not None
        and existing.content_hash == plan.file.sha256
        and existing.status != DocumentStatus.FAILED
    ):
        return existing  # unchanged: nothing to ingest
    document = existing or Document(
        id=plan.document_id,
        connector_id=connector.id,
        assistant_id=connector.assistant_id,
        name=plan.name,
        chunks=0,
    )
    document.type, document.size_bytes, document.content_hash = (
        plan.file_type,
        plan.file.size,
        plan.file.sha256,
    )
    document.status, document.progress, document.error = DocumentStatus.QUEUED, 0.0, None
    document.updated_at = utcnow()
    if existing is None:
        session.add(document)
    plan.document, plan.changed = document, True
    return document


async def delete(*, session: AsyncSession, document: Document) -> None:
    """Delete the document and, by cascade, its chunks (call remove_files after the commit)."""
    await session.delete(document)
    await session.flush()


async def remove_files(*, files: FileStore, document_ids: Sequence[uuid.UUID]) -> None:
    """Remove the stored files of deleted documents (after the deletion is committed)."""
    for document_id in document_ids:
        await files.delete_prefix(document_prefix(document_id))
