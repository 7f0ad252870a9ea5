"""Every file store keeps the same contract: bytes back as they went in (size and SHA-256
computed while streaming), atomic replacement, deletion by key and by prefix,
FileNotFoundError for a missing key, Unavailable when the store cannot be reached.

Run on the local folder, the database store on SQLite and on PostgreSQL, and the S3 store
against a real S3-compatible HTTP server (moto's)."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from askwell.db import create_engine, migrate
from askwell.errors import Invalid, Unavailable
from askwell.files.base import FileStore
from askwell.files.local import LocalFileStore
from askwell.files.models import StoredFile as FileRow
from askwell.files.registry import create_file_store
from askwell.settings import Settings
from tests.conftest import PG_URL, _create_pg_database, _drop_pg_database, require_service
from tests.files.conftest import s3_object_keys, s3_settings
from tests.server import free_port

STORES = ["local", "database-sqlite", "database-postgres", "s3"]


def _settings(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None, **fields)  # type: ignore[call-arg]


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FileStore]:
    kind = str(request.param)
    pg_name: str | None = None
    if kind == "local":
        settings = _settings(tmp_path)
    elif kind == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        settings = _settings(tmp_path, **s3_settings(endpoint, request.getfixturevalue("s3_bucket")))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'files.db'}"
        if kind == "database-postgres":
            url, pg_name = await _create_pg_database(require_service(PG_URL, "PostgreSQL"))
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()
        settings = _settings(tmp_path, file_store="database", database_url=url)
    files = create_file_store(settings)
    try:
        yield files
    finally:
        await files.close()
        if pg_name is not None:
            await _drop_pg_database(str(PG_URL), pg_name)


async def _read(files: FileStore, key: str) -> bytes:
    async with files.local_copy(key) as path:
        return path.read_bytes()


class _Failing(io.RawIOBase):
    """A stream that breaks after `good` bytes (a client that disconnects mid-upload)."""

    def __init__(self, good: int) -> None:
        self._left = good

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            raise ConnectionResetError("the client went away")
        n = self._left if size < 0 else min(size, self._left)
        self._left -= n
        return b"x" * n


async def test_what_goes_in_comes_back_with_its_size_and_hash(store: FileStore) -> None:
    data = os.urandom(2 * 1024 * 1024 + 12345)  # a few chunks of the database store
    stored = await store.put("doc-1/report v2.pdf", io.BytesIO(data))
    assert (stored.key, stored.size, stored.sha256) == (
        "doc-1/report v2.pdf",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert await store.exists("doc-1/report v2.pdf")
    assert await _read(store, "doc-1/report v2.pdf") == data


async def test_a_large_file_streams_through(store: FileStore) -> None:
    data = os.urandom(9 * 1024 * 1024 + 1)  # above the S3 store's multipart threshold
    stored = await store.put("big/file.bin", io.BytesIO(data))
    assert stored.size == len(data) and stored.sha256 == hashlib.sha256(data).hexdigest()
    assert hashlib.sha256(await _read(store, "big/file.bin")).hexdigest() == stored.sha256


async def test_an_empty_file_is_a_file(store: FileStore) -> None:
    stored = await store.put("e/empty.txt", io.BytesIO(b""))
    assert stored.size == 0 and stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert await store.exists("e/empty.txt")
    assert await _read(store, "e/empty.txt") == b""


async def test_put_reads_from_the_stream_position(store: FileStore) -> None:
    source = io.BytesIO(b"HEADbody")
    source.seek(4)
    assert (await store.put("p/x.txt", source)).size == 4
    assert await _read(store, "p/x.txt") == b"body"


async def test_a_second_put_replaces_the_file(store: FileStore) -> None:
    await store.put("r/a.md", io.BytesIO(b"first version"))
    await store.put("r/a.md", io.BytesIO(b"second"))
    assert await _read(store, "r/a.md") == b"second"


async def test_a_failed_put_leaves_nothing_and_keeps_the_old_file(store: FileStore, tmp_path: Path) -> None:
    with pytest.raises(ConnectionResetError):
        await store.put("f/new.bin", _Failing(3 * 1024 * 1024 + 7))  # type: ignore[arg-type]
    assert not await store.exists("f/new.bin")
    await store.put("f/old.bin", io.BytesIO(b"old bytes"))
    with pytest.raises(ConnectionResetError):
        await store.put("f/old.bin", _Failing(1024 * 1024 + 3))  # type: ignore[arg-type]
    assert await _read(store, "f/old.bin") == b"old bytes"
    await store.delete_prefix("f/")
    await _assert_empty(store)


async def test_a_missing_key_is_file_not_found(store: FileStore) -> None:
    assert not await store.exists("nope/none.txt")
    with pytest.raises(FileNotFoundError):
        async with store.local_copy("nope/none.txt"):
            pytest.fail("no file to copy")
    await store.delete("nope/none.txt")  # deleting what is not there is fine
    await store.delete_prefix("nope/")


async def test_delete_removes_one_key(store: FileStore) -> None:
    await store.put("d/a.txt", io.BytesIO(b"a"))
    await store.put("d/b.txt", io.BytesIO(b"b"))
    await store.delete("d/a.txt")
    assert not await store.exists("d/a.txt")
    assert await _read(store, "d/b.txt") == b"b"
    with pytest.raises(FileNotFoundError):
        await _read(store, "d/a.txt")


async def test_delete_prefix_removes_a_documents_files_only(store: FileStore) -> None:
    one, other = uuid.uuid4(), uuid.uuid4()
    for key in (f"{one}/a.md", f"{one}/b.md", f"{other}/a.md", f"{one}x/c.md"):
        await store.put(key, io.BytesIO(key.encode()))
    await store.delete_prefix(f"{one}/")
    assert not await store.exists(f"{one}/a.md") and not await store.exists(f"{one}/b.md")
    assert await _read(store, f"{other}/a.md") == f"{other}/a.md".encode()
    assert await store.exists(f"{one}x/c.md")  # "<id>/" is a folder, not a string prefix of it
    await store.delete_prefix(f"{other}/")
    await store.delete_prefix(f"{one}x/")
    await _assert_empty(store)


async def test_a_copy_is_a_temporary_file_unless_the_store_is_a_folder(store: FileStore) -> None:
    await store.put("c/notes.md", io.BytesIO(b"# Notes"))
    async with store.local_copy("c/notes.md") as path:
        assert path.name == "notes.md" and path.read_bytes() == b"# Notes"
    if isinstance(store, LocalFileStore):
        assert path == store.root / "c" / "notes.md" and path.exists()  # the file itself
    else:
        assert not path.exists() and not path.parent.exists()  # the copy is gone


async def test_keys_are_plain_relative_paths(store: FileStore) -> None:
    for key in ["", "/abs/x", "../x", "a/../b", "a//b", ".incoming/x", "a\\b", "a/.hidden"]:
        with pytest.raises(ValueError):
            await store.put(key, io.BytesIO(b"x"))
        with pytest.raises(ValueError):
            await store.exists(key)
    with pytest.raises(ValueError):
        await store.delete_prefix("")  # never "everything"


async def _assert_empty(store: FileStore) -> None:
    """Nothing left anywhere in the store: no file, no staged part, no row, no object."""
    if isinstance(store, LocalFileStore):
        left = [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []
        assert left == []
    elif store.name == "database":
        async with store._engine.connect() as conn:  # type: ignore[attr-defined]
            assert await conn.scalar(select(func.count()).select_from(FileRow)) == 0
    else:
        s3: Any = store
        assert s3_object_keys(s3._s3().meta.endpoint_url, s3.bucket) == []
        assert s3._s3().list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []) == []  # aborted


# --- the store away: Unavailable, which the job system retries ------------------------------


async def test_an_unreachable_s3_store_is_unavailable(tmp_path: Path) -> None:
    settings = _settings(tmp_path, **s3_settings(f"http://127.0.0.1:{free_port()}", "nowhere"))
    files = create_file_store(settings)
    try:
        with pytest.raises(Unavailable) as raised:
            await files.put("a/b.txt", io.BytesIO(b"x"))
        assert raised.value.code == "file_store_unavailable"
        assert "askwell-test-secret" not in raised.value.message
        with pytest.raises(Unavailable):
            async with files.local_copy("a/b.txt"):
                pass
        with pytest.raises(Unavailable):
            await files.exists("a/b.txt")
    finally:
        await files.close()


async def test_a_missing_bucket_is_unavailable_and_says_which(s3_endpoint: str, tmp_path: Path) -> None:
    files = create_file_store(_settings(tmp_path, **s3_settings(s3_endpoint, "no-such-bucket")))
    try:
        with pytest.raises(Unavailable, match="no-such-bucket"):
            await files.put("a/b.txt", io.BytesIO(b"x"))
    finally:
        await files.close()


async def test_an_unreachable_database_store_is_unavailable(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://askwell@127.0.0.1:{free_port()}/askwell"
    files = create_file_store(_settings(tmp_path, file_store="database", database_url=url))
    try:
        with pytest.raises(Unavailable) as raised:
            await files.put("a/b.txt", io.BytesIO(b"x"))
        assert raised.value.code == "file_store_unavailable"
        with pytest.raises(Unavailable):
            async with files.local_copy("a/b.txt"):
                pass
        with pytest.raises(Unavailable):
            await files.delete_prefix("a/")
    finally:
        await files.close()


def test_the_registry_names_the_known_stores(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="known: local, database, s3"):
        create_file_store(_settings(tmp_path, file_store="ftp"))
    with pytest.raises(Invalid, match="ASKWELL_S3_BUCKET"):
        create_file_store(_settings(tmp_path, file_store="s3"))


def test_the_local_store_keeps_the_uploads_folder_layout(tmp_path: Path) -> None:
    files = create_file_store(_settings(tmp_path))
    assert isinstance(files, LocalFileStore)
    assert files.path("1234/a.pdf") == tmp_path / "data" / "uploads" / "1234" / "a.pdf"
    custom = create_file_store(_settings(tmp_path, file_store_dir=tmp_path / "elsewhere"))
    assert isinstance(custom, LocalFileStore) and custom.root == tmp_path / "elsewhere"
