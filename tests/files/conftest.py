"""File store fixtures: a real S3-compatible HTTP server (moto's, on 127.0.0.1) and the
settings that point a store at a fresh bucket of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import free_port

S3_KEYS = {"s3_access_key_id": "askwell-test", "s3_secret_access_key": "askwell-test-secret"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread of the test process: real HTTP, real boto3 on both sides."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["s3_access_key_id"],
        aws_secret_access_key=S3_KEYS["s3_secret_access_key"],
    )


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket."""
    name = f"askwell-t-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, prefix: str = "uploads/") -> dict[str, Any]:
    """The Settings fields of an s3 store on `bucket` (for `settings.model_copy(update=...)`)."""
    from pydantic import SecretStr

    return {
        "file_store": "s3",
        "s3_endpoint_url": endpoint,
        "s3_bucket": bucket,
        "s3_prefix": prefix,
        "s3_region": "us-east-1",
        **{name: SecretStr(value) for name, value in S3_KEYS.items()},
    }


def s3_object_keys(endpoint: str, bucket: str) -> list[str]:
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))
