"""The file store protocol: bytes under keys, readable as a local file by the parsers.

Keys are relative paths of safe names ("<document id>/<file name>"); which key a document's
file has is the caller's business (documents/storage.py), the store only keeps the bytes.
Every store raises FileNotFoundError for a missing key and askwell.errors.Unavailable when
it cannot be reached (a job then runs again later), and never blocks the event loop.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol

BLOCK = 1024 * 1024  # bytes read from a stream at a time (and the database store's chunk size)
MAX_KEY = 1024


@dataclass(frozen=True)
class StoredFile:
    """What `put` stored: the key, its size in bytes and the SHA-256 of its content (hex)."""

    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    name: ClassVar[str]  # the ASKWELL_FILE_STORE value, e.g. "local"

    async def put(self, key: str, source: BinaryIO) -> StoredFile:
        """Store `source` (read from its current position to the end) under `key`, replacing
        what was there at once: readers see the old file or the new one, never a part, and a
        failed put leaves nothing behind. The size and hash are computed while streaming."""
        ...

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """`async with store.local_copy(key) as path:` a real file with the key's content (the
        file itself where the store is a folder, else a temporary copy removed afterwards)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove one key (nothing happens when it is missing)."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every key that starts with `prefix` (e.g. "<document id>/")."""
        ...

    async def close(self) -> None:
        """Release connections and clients."""
        ...


def check_key(key: str) -> str:
    """`key` if it is a relative path of plain segments; ValueError otherwise.

    Segments starting with "." are the stores' own (a staging folder), never a caller's.
    """
    if not key or len(key) > MAX_KEY or "\\" in key or "\x00" in key:
        raise ValueError(f"invalid file store key {key!r}")
    if any(not part or part.startswith(".") for part in key.split("/")):
        raise ValueError(f"invalid file store key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A non-empty prefix of keys (a trailing "/" names a folder of keys)."""
    check_key(prefix.removesuffix("/"))
    return prefix


class HashingReader:
    """Reads `source` to the end once, counting and hashing what passes (for back-ends that
    pull from a file object themselves). Not seekable, so nothing reads a byte twice."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._digest.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()
