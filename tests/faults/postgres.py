"""A throwaway PostgreSQL cluster of the test's own (so it can be stopped and started without
touching the suite's shared server), from the same Debian binaries and pgvector."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> str | None:
    """Why no cluster can be made here, or None."""
    if not (PG_BIN / "initdb").exists():
        return "PostgreSQL 15 is not installed (scripts/test-services.sh installs it)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing"
    return None


def _as_postgres(*command: str) -> list[str]:
    # PostgreSQL refuses to run as root; the tests run as root in CI.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Cluster:
    data: Path
    port: int
    log: Path
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@{self.host}:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


@contextmanager
def running_postgres(port: int, *, host: str = "127.0.0.1", trust: Sequence[str] = ()) -> Iterator[Cluster]:
    """initdb (trust, durability off), start on host:port (127.0.0.1 by default; clients from
    the `trust` networks, e.g. a test's veth /30, get in too); stop and remove afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="askwell-pg-", dir="/tmp"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--no-locale",
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    settings = (
        f"listen_addresses = '{host}'\nport = {port}\nunix_socket_directories = '{folder}'\n"
        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n"
    )
    subprocess.run(
        _as_postgres("sh", "-c", f"cat >> {data}/postgresql.conf"), input=settings.encode(), check=True
    )
    if trust:
        rules = "".join(f"host all all {network} trust\n" for network in trust)
        subprocess.run(
            _as_postgres("sh", "-c", f"cat >> {data}/pg_hba.conf"), input=rules.encode(), check=True
        )
    cluster = Cluster(data=data, port=port, log=folder / "postgres.log", host=host)
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
