"""Uploading documents to a connector, watching their ingestion, deleting them (admin only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile, status

from askwell.auth.deps import AdminUser, UploadRateLimit
from askwell.connectors import service as connector_service
from askwell.deps import RuntimeDep, SessionDep
from askwell.documents import service
from askwell.documents.ingestion.tasks import enqueue_ingestion
from askwell.documents.schemas import DocumentCreated, DocumentRead
from askwell.errors import PayloadTooLarge
from askwell.ops.logs import current_request_id

router = APIRouter(tags=["documents"])

MAX_FILES_PER_UPLOAD = 200
# The multipart parser stops at the route's form limits with a 400 ("Too many files"), before it
# spools thousands of parts; the route takes only `files` parts, so a few stray fields are plenty.
MAX_FIELDS_PER_UPLOAD = 20


@router.post(
    "/connectors/{connector_id}/documents",
    response_model=list[DocumentCreated],
    status_code=status.HTTP_202_ACCEPTED,
    form_limits={"max_files": MAX_FILES_PER_UPLOAD, "max_fields": MAX_FIELDS_PER_UPLOAD},
)
async def upload_documents(
    connector_id: uuid.UUID,
    request: Request,
    files: Annotated[list[UploadFile], File()],
    _admin: AdminUser,
    _limit: UploadRateLimit,
    session: SessionDep,
    runtime: RuntimeDep,
) -> object:
    """Upload one or many files (`files` parts); they are ingested in the background."""
    max_bytes = runtime.settings.max_upload_mb * 1024 * 1024
    _check_request_size(request, max_bytes)
    connector = await connector_service.get(session=session, connector_id=connector_id, type_="documents")
    uploads = [service.Upload(name=f.filename or "file", file=f.file, size=f.size or 0) for f in files]
    documents, to_ingest = await service.accept_uploads(
        session=session,
        connector=connector,
        uploads=uploads,
        files=runtime.files,
        max_bytes=max_bytes,
    )
    jobs = await enqueue_ingestion(runtime.jobs, session, to_ingest, request_id=current_request_id())
    await session.commit()  # documents and their jobs together: no upload without its job
    await runtime.jobs.send(jobs)
    return documents


@router.get("/connectors/{connector_id}/documents", response_model=list[DocumentRead])
async def list_documents(connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """A connector's documents with their ingestion status and progress."""
    await connector_service.get(session=session, connector_id=connector_id, type_="documents")
    return await service.list_for_connector(session=session, connector_id=connector_id)


@router.get("/documents/{document_id}", response_model=DocumentRead)
async def read_document(document_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> object:
    """One document's status."""
    return await service.get(session=session, document_id=document_id)


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(
    document_id: uuid.UUID, _admin: AdminUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Delete a document; its chunks leave the search index at once."""
    document = await service.get(session=session, document_id=document_id)
    await service.delete(session=session, document=document)
    await session.commit()
    await service.remove_files(files=runtime.files, document_ids=[document_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _check_request_size(request: Request, max_bytes: int) -> None:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes * MAX_FILES_PER_UPLOAD:
        raise PayloadTooLarge("The upload is too large; send fewer or smaller files", code="upload_too_large")
