"""A real `askwell serve` process for tests that need real sockets (disconnects, outages)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

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
def running_process(
    command: list[str],
    *,
    env: dict[str, str],
    health_url: str,
    log_path: Path,
    cwd: Path | None = None,
    start_timeout_s: float = 30.0,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until `health_url` answers 2xx, stop it afterwards.

    Shared by the tests and bench/chat_overhead.py. Output goes to `log_path`; a server
    that exits or stays unhealthy past `start_timeout_s` raises with the log's tail.
    """
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn
        )
        try:
            deadline = time.monotonic() + start_timeout_s
            while True:
                with suppress(httpx.TransportError):
                    if httpx.get(health_url, timeout=1, trust_env=False).is_success:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
                    raise RuntimeError(f"{command[0]} did not start; see {log_path}:\n{tail}")
                time.sleep(0.1)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def running_server(data_dir: Path, **env: str) -> Iterator[str]:
    """Start `askwell serve` on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    environment = {**os.environ, "ASKWELL_DATA_DIR": str(data_dir), "ASKWELL_LOG_LEVEL": "WARNING", **env}
    base_url = f"http://127.0.0.1:{port}"
    with running_process(
        [askwell_command(), "serve", "--port", str(port)],
        env=environment,
        health_url=f"{base_url}/api/v1/health",
        log_path=data_dir.parent / f"server-{port}.log",
    ):
        yield base_url


@contextmanager
def running_redis(port: int, host: str = "127.0.0.1") -> Iterator[None]:
    """A throwaway redis-server on host:port (another host than loopback: open to that network)."""
    server = os.environ.get("ASKWELL_TEST_REDIS_SERVER") or shutil.which("redis-server")
    assert server, "redis-server is not installed"
    command = [server, "--bind", host, "--port", str(port), "--save", "", "--appendonly", "no"]
    if host != "127.0.0.1":
        command += ["--protected-mode", "no"]  # no password: the test's own network only
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((host, port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield
    finally:
        process.kill()
        process.wait(timeout=10)


class JsonHandler(BaseHTTPRequestHandler):
    """The answering half of the small HTTP peers the tests run (model or reranker servers)."""

    def _send(self, status: int, payload: Any) -> None:
        self._send_raw(status, "application/json", json.dumps(payload).encode())

    def _send_raw(self, status: int, content_type: str, raw: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test's own output stays readable
