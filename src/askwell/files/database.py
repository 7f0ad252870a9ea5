"""The database store: files in the Askwell database itself (SQLite or PostgreSQL), in ~1 MB
chunk rows, so workers on other machines need nothing but the database URL, and one backup
holds everything.

Its own engine (a small pool on the same URL): a request's session may hold the SQLite
engine's only connection while its files are stored. A put is one transaction (a failed
one leaves nothing), written and read a chunk at a time, never the whole file in memory.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO, ClassVar, NoReturn

import anyio
from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from askwell.db import create_engine, utcnow
from askwell.errors import Unavailable
from askwell.files.base import BLOCK, StoredFile, check_key, check_prefix
from askwell.files.models import StoredFile as FileRow
from askwell.files.models import StoredFileChunk
from askwell.settings import Settings

logger = logging.getLogger(__name__)

# The database is away or busy: the caller (a job) tries again later.
_UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, TimeoutError, socket.gaierror)
_SWAP_TRIES = 3


class DatabaseFileStore:
    name: ClassVar[str] = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(self, key: str, source: BinaryIO) -> StoredFile:
        check_key(key)
        file_id = uuid.uuid4()
        digest, size = hashlib.sha256(), 0
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(FileRow).values(
                        id=file_id, key=f".incoming/{file_id.hex}", size=0, sha256="", created_at=utcnow()
                    )
                )
                seq = 0
                while block := await _read(source):
                    digest.update(block)
                    size += len(block)
                    await conn.execute(insert(StoredFileChunk).values(file_id=file_id, seq=seq, data=block))
                    seq += 1
                await self._swap(conn, file_id, key, size=size, sha256=digest.hexdigest())
        except _SourceFailed as failed:
            raise failed.error from None  # the upload's own failure, not the database's
        except _UNREACHABLE as exc:
            _unavailable(exc)
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    async def _swap(
        self, conn: AsyncConnection, file_id: uuid.UUID, key: str, *, size: int, sha256: str
    ) -> None:
        """Give the new row the key, in place of the old one (at commit, readers switch over)."""
        for attempt in range(_SWAP_TRIES):
            try:
                async with conn.begin_nested():
                    await conn.execute(delete(FileRow).where(FileRow.key == key))
                    await conn.execute(
                        update(FileRow)
                        .where(FileRow.id == file_id)
                        .values(key=key, size=size, sha256=sha256, created_at=utcnow())
                    )
                return
            except IntegrityError:  # another put of the same key committed in between: again
                if attempt == _SWAP_TRIES - 1:
                    raise

    @asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        check_key(key)
        folder = Path(await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="askwell-file-")))
        path = folder / key.rpartition("/")[2]
        try:
            try:
                await self._copy(key, path)
            except _UNREACHABLE as exc:
                _unavailable(exc)
            yield path
        finally:
            await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))

    async def _copy(self, key: str, path: Path) -> None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(FileRow.id, FileRow.size).where(FileRow.key == key))).first()
            if row is None:
                raise FileNotFoundError(f"no file stored under {key!r}")
            file_id, size = row
            out = await anyio.to_thread.run_sync(path.open, "wb")
            try:
                written, seq = 0, 0
                while written < size:  # one chunk a query: a stream's cursor would buffer dozens
                    data = await conn.scalar(
                        select(StoredFileChunk.data).where(
                            StoredFileChunk.file_id == file_id, StoredFileChunk.seq == seq
                        )
                    )
                    if data is None:  # replaced or deleted while being read
                        raise FileNotFoundError(f"the file under {key!r} went away while being read")
                    await anyio.to_thread.run_sync(out.write, data)
                    written, seq = written + len(data), seq + 1
            finally:
                await anyio.to_thread.run_sync(out.close)

    async def exists(self, key: str) -> bool:
        check_key(key)
        try:
            async with self._engine.connect() as conn:
                found = await conn.scalar(select(func.count()).where(FileRow.key == key))
        except _UNREACHABLE as exc:
            _unavailable(exc)
        return bool(found)

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._delete(FileRow.key == key)

    async def delete_prefix(self, prefix: str) -> None:
        await self._delete(FileRow.key.startswith(check_prefix(prefix), autoescape=True))

    async def _delete(self, where: ColumnElement[bool]) -> None:
        try:
            async with self._engine.begin() as conn:  # the chunks go by ON DELETE CASCADE
                await conn.execute(delete(FileRow).where(where))
        except _UNREACHABLE as exc:
            _unavailable(exc)

    async def close(self) -> None:
        await self._engine.dispose()


class _SourceFailed(Exception):
    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


async def _read(source: BinaryIO) -> bytes:
    """The next block of `source`; its failure (a client gone mid-upload) kept apart."""
    try:
        return await anyio.to_thread.run_sync(source.read, BLOCK)
    except Exception as exc:
        raise _SourceFailed(exc) from exc


def _unavailable(exc: BaseException) -> NoReturn:
    logger.warning("File store database unavailable: %s", type(exc).__name__)
    raise Unavailable(
        "The file store's database cannot be reached now (ASKWELL_FILE_STORE=database); try again",
        code="file_store_unavailable",
    ) from exc


def create(settings: Settings) -> DatabaseFileStore:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        return DatabaseFileStore(create_engine(url))  # its own connection, the same pragmas
    # A few connections of its own: files move one chunk at a time, a handful at once.
    return DatabaseFileStore(create_async_engine(url, pool_size=4, max_overflow=4, pool_recycle=1800))
