"""The S3 store: any S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, ...).

boto3 in worker threads: its transfer manager gives multipart uploads (aborted when they
fail, so a failed put leaves nothing), ranged downloads and retries, and its credential
chain works when no keys are set (AWS_* variables, an instance role). Objects live at
`<ASKWELL_S3_PREFIX><key>` in ASKWELL_S3_BUCKET, which must exist.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, NoReturn, TypeVar

import anyio

from askwell.errors import Invalid, Unavailable
from askwell.files.base import HashingReader, StoredFile, check_key, check_prefix
from askwell.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MISSING = {"404", "NoSuchKey", "NotFound"}
_PART = 8 * 1024 * 1024  # multipart above this, in parts of this size (one part in memory each)


class S3FileStore:
    name: ClassVar[str] = "s3"

    def __init__(self, *, bucket: str, prefix: str, make_client: Callable[[], Any]) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._make_client = make_client
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:
        with self._lock:  # boto3 clients are thread-safe once built; building one is not
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, source: BinaryIO) -> StoredFile:
        name = self.object_key(key)
        reader = HashingReader(source)  # not seekable: the transfer reads each byte once, in order

        def upload() -> None:
            from boto3.s3.transfer import TransferConfig

            config = TransferConfig(multipart_threshold=_PART, multipart_chunksize=_PART, max_concurrency=4)
            self._s3().upload_fileobj(reader, self.bucket, name, Config=config)

        await self._run(upload)
        return StoredFile(key=key, size=reader.size, sha256=reader.sha256)

    @asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        name = self.object_key(key)
        folder = Path(await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="askwell-file-")))
        path = folder / key.rpartition("/")[2]
        try:
            await self._run(lambda: self._s3().download_file(self.bucket, name, str(path)), key=key)
            yield path
        finally:
            await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))

    async def exists(self, key: str) -> bool:
        name = self.object_key(key)
        try:
            await self._run(lambda: self._s3().head_object(Bucket=self.bucket, Key=name), key=key)
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        name = self.object_key(key)
        await self._run(lambda: self._s3().delete_object(Bucket=self.bucket, Key=name))

    async def delete_prefix(self, prefix: str) -> None:
        start = self.prefix + check_prefix(prefix)

        def delete_all() -> None:
            s3 = self._s3()
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if objects:  # a page holds at most 1000 keys, DeleteObjects' limit
                    s3.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})

        await self._run(delete_all)

    async def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            await anyio.to_thread.run_sync(client.close)

    async def _run(self, call: Callable[[], T], *, key: str | None = None) -> T:
        """`call` in a thread; a missing object is FileNotFoundError, any other failure of the
        store (away, refusing, misconfigured) Unavailable, so a job tries again later."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await anyio.to_thread.run_sync(call)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if key is not None and code in _MISSING:
                raise FileNotFoundError(f"no file stored under {key!r}") from None
            self._unavailable(exc, code or "error")
        except (BotoCoreError, Boto3Error) as exc:
            self._unavailable(exc, type(exc).__name__)

    def _unavailable(self, exc: BaseException, what: str) -> NoReturn:
        # The bucket and the error's name only: never the keys, and no request dump.
        logger.warning("S3 file store failed on bucket %s: %s", self.bucket, what)
        raise Unavailable(
            f"The S3 file store cannot serve bucket {self.bucket!r} now ({what}); check that it is "
            "reachable and ASKWELL_S3_* (endpoint, bucket, keys), then try again",
            code="file_store_unavailable",
        ) from exc


def create(settings: Settings) -> S3FileStore:
    if not settings.s3_bucket:
        raise Invalid("ASKWELL_FILE_STORE=s3 needs ASKWELL_S3_BUCKET", code="invalid_settings")
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise Invalid(
            "ASKWELL_FILE_STORE=s3 needs boto3: pip install 'askwell[s3]'", code="invalid_settings"
        ) from None

    def make_client() -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            # Other S3 implementations mostly want path-style URLs (http://host/bucket/key).
            s3={"addressing_style": "path"} if settings.s3_endpoint_url else None,
            # The checksums boto3 sends by default since 1.36 are refused by several of them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=_secret(settings.s3_access_key_id),
            aws_secret_access_key=_secret(settings.s3_secret_access_key),
            region_name=settings.s3_region,
        )
        return session.client("s3", endpoint_url=settings.s3_endpoint_url, config=config)

    return S3FileStore(bucket=settings.s3_bucket, prefix=settings.s3_prefix, make_client=make_client)


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None
