"""Serving the metrics: one process's registry, or every server process's files added up.

prometheus-client picks its storage when it is first imported: with PROMETHEUS_MULTIPROC_DIR
set, each process writes its values to files there, and a scrape answered by any worker
reads them all. `askwell serve --workers N` sets it (to `<data>/prometheus`) when it is not
set, since a scrape would otherwise see one worker's share of the traffic.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from askwell.settings import Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def render() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    folder = multiprocess_dir()
    if folder is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    _forget_dead_processes(folder)
    registry = CollectorRegistry()  # a fresh one each scrape, as prometheus-client asks
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def prepare_multiprocess(*, workers: int, data_dir: Path) -> Path | None:
    """Before the server processes start: the folder they share, emptied of an earlier run's files.

    Call it before uvicorn starts its workers (they inherit the environment).
    """
    folder = multiprocess_dir()
    if folder is None and workers > 1:
        folder = data_dir / "prometheus"
        os.environ[MULTIPROC_ENV] = str(folder)
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # counters of a previous run would add up with ours
        stale.unlink(missing_ok=True)
    return folder


def process_exiting() -> None:
    """A server process stops: its live gauges (pool connections) stop counting."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())


def _forget_dead_processes(folder: Path) -> None:
    """Drop the live gauges of workers that died without saying so.

    uvicorn replaces a worker that crashed or stopped answering its health check, and that
    worker never ran its shutdown: without this its pool connections would count forever.
    """
    for path in folder.glob("gauge_live*_*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def metrics_allowed(settings: Settings, *, client_host: str | None, authorization: str | None) -> bool:
    """The /metrics rule: the bearer token when one is set, else loopback clients only."""
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        return authorization is not None and hmac.compare_digest(authorization.encode(), expected.encode())
    return _is_loopback(client_host)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback
