"""A real `askwell serve` process for tests that need real sockets (disconnects, outages)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def askwell_command() -> str:
    found = shutil.which("askwell", path=str(Path(sys.executable).parent)) or shutil.which("askwell")
    assert found, "the askwell console script is not installed"
    return found


@contextmanager
def running_server(data_dir: Path, **env: str) -> Iterator[str]:
    """Start `askwell serve` on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    environment = {**os.environ, "ASKWELL_DATA_DIR": str(data_dir), "ASKWELL_LOG_LEVEL": "WARNING", **env}
    log = (data_dir.parent / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        [askwell_command(), "serve", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"askwell serve did not start; see {log.name}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def running_redis(port: int) -> Iterator[None]:
    """A throwaway redis-server on 127.0.0.1:port."""
    server = os.environ.get("ASKWELL_TEST_REDIS_SERVER") or shutil.which("redis-server")
    assert server, "redis-server is not installed"
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        process.kill()
        process.wait(timeout=10)
