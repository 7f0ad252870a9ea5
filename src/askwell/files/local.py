"""The embedded store: a folder on this machine (default <data_dir>/uploads/<key>).

The layout is the one uploads always had, so existing data keeps working. Every process
that reads the files (API processes, workers) must see the same folder: one machine, or a
shared file system.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import BinaryIO, ClassVar

import anyio

from askwell.files.base import BLOCK, StoredFile, check_key, check_prefix
from askwell.settings import Settings

_STAGING = ".incoming"  # a partly written file lives here until it is moved into place


class LocalFileStore:
    name: ClassVar[str] = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, source: BinaryIO) -> StoredFile:
        target = self.path(key)
        return await anyio.to_thread.run_sync(self._put, key, source, target)

    def _put(self, key: str, source: BinaryIO, target: Path) -> StoredFile:
        staged = self.root / _STAGING / uuid.uuid4().hex
        staged.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with staged.open("wb") as out:
                while block := source.read(BLOCK):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)  # atomic: readers see the old file or the new one
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    @asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        path = self.path(key)
        if not await anyio.to_thread.run_sync(path.is_file):
            raise FileNotFoundError(f"no file stored under {key!r}")
        yield path  # the file itself: nothing to copy or remove

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self.path(key).is_file)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._delete, self.path(key))

    def _delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._prune(path.parent)

    def _prune(self, folder: Path) -> None:
        """Remove `folder` and its parents while they are empty (no folder left per document)."""
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent

    async def delete_prefix(self, prefix: str) -> None:
        await anyio.to_thread.run_sync(self._delete_prefix, check_prefix(prefix))

    def _delete_prefix(self, prefix: str) -> None:
        folder, _, start = prefix.rpartition("/")
        parent = self.root / folder if folder else self.root
        if not parent.is_dir():
            return
        for entry in parent.iterdir():
            if not entry.name.startswith(start) or entry.name.startswith("."):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        self._prune(parent)

    async def close(self) -> None:
        return None


def create(settings: Settings) -> LocalFileStore:
    return LocalFileStore(settings.file_store_dir or settings.data_dir / "uploads")
