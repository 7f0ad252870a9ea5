"""A worker on a separate network-namespace host ingests a file uploaded to the API on another
(no local-disk assumption).

The API (the in-test app) runs on this host; `askwell worker` runs in a network namespace
joined by a veth pair, with its own empty data folder, and reaches PostgreSQL and Redis only
through the veth (both bound to the host end's address). With ASKWELL_FILE_STORE=database the
upload's bytes travel through PostgreSQL: no folder is shared.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from askwell.app import create_app
from askwell.documents.models import Chunk
from askwell.jobs.models import Job
from askwell.settings import Settings
from tests.conftest import MODELS_DIR, bearer, login, register, require_service
from tests.documents.helpers import documents_assistant, search, upload, wait_for_ingestion
from tests.faults import netns, postgres
from tests.faults.workers import running_worker
from tests.server import free_port, running_redis

pytestmark = pytest.mark.server

POLICY = b"""# Travel policy

## Trains

Trips under six hours go by train, second class; the night train to Vienna counts as one day.
"""


@pytest.fixture
def namespace() -> Any:
    if reason := netns.available():
        require_service(None, reason)  # skipped here, a failure in CI
    if reason := postgres.available():
        require_service(None, reason)
    with netns.network_namespace() as created:
        yield created


@pytest.fixture
async def topology(namespace: netns.Namespace, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """PostgreSQL and Redis on the host end of the veth, the API's settings, the worker's."""
    pg_port, redis_port = free_port(), free_port()
    with (
        postgres.running_postgres(pg_port, host=namespace.host_ip, trust=[namespace.network]) as cluster,
        running_redis(redis_port, host=namespace.host_ip),
    ):
        api_settings = Settings(
            data_dir=tmp_path / "api",
            models_dir=MODELS_DIR,
            database_url=cluster.url,
            redis_url=f"redis://{namespace.host_ip}:{redis_port}/0",
            jobs_backend="redis",
            jobs_queue=f"netns-{uuid.uuid4().hex[:8]}",
            file_store="database",
            default_model="scripted:echo",
            warm_up=False,
            _env_file=None,  # type: ignore[call-arg]
        )
        worker_settings = api_settings.model_copy(update={"data_dir": tmp_path / "worker"})
        yield {"api": api_settings, "worker": worker_settings, "pg_port": pg_port}


def _reaches(namespace: netns.Namespace, host: str, port: int) -> bool:
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=2).close()"
    return (
        subprocess.run(
            namespace.command(sys.executable, "-c", probe), capture_output=True, timeout=30
        ).returncode
        == 0
    )


async def test_a_worker_on_another_host_ingests_an_upload_through_the_database(
    namespace: netns.Namespace, topology: dict[str, Any], tmp_path: Path
) -> None:
    api_settings, worker_settings = topology["api"], topology["worker"]
    # The namespace is another host: this one's loopback is out of reach, the veth is not.
    assert not _reaches(namespace, "127.0.0.1", topology["pg_port"])
    assert _reaches(namespace, namespace.host_ip, topology["pg_port"])

    app = create_app(api_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as client:
            await register(client, "admin@example.org")
            headers = bearer(await login(client, "admin@example.org"))
            assistant, connector = await documents_assistant(client, headers)
            with running_worker(worker_settings, tmp_path / "worker.log", netns=namespace.name) as worker:
                response = await upload(client, headers, connector["id"], [("travel.md", POLICY)])
                assert response.status_code == 202, response.text
                async with asyncio.timeout(120):
                    [document] = await wait_for_ingestion(client, headers, connector["id"], timeout_s=110)
            assert document["status"] == "ready", (document, (tmp_path / "worker.log").read_text()[-3000:])
            results = await search(client, assistant["id"], "night train to Vienna", headers=headers)
            assert "Vienna" in results[0]["content"]

        document_id = uuid.UUID(document["id"])
        async with app.state.runtime.session_factory() as session:
            chunks = await session.scalar(select(func.count()).where(Chunk.document_id == document_id))
            ran_by = await session.scalar(select(Job.worker).where(Job.key == str(document_id)))
    assert chunks == document["chunks"] >= 1
    assert ran_by is not None and ran_by.endswith(f":{worker.pid}")  # the namespace's worker, not the API
    # Neither host kept the file on disk: the bytes went through PostgreSQL.
    assert not (api_settings.data_dir / "uploads").exists()
    assert not (worker_settings.data_dir / "uploads").exists()
