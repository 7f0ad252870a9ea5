"""Real `askwell worker` processes for the fault tests: started with the test's settings as
environment (optionally inside a network namespace, as on another host), stopped (or
killed with SIGKILL) by pid."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from askwell.settings import Settings
from tests.server import askwell_command


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a worker process the same settings as `settings`."""
    env = {**os.environ, "ASKWELL_LOG_LEVEL": "INFO", "ASKWELL_WARM_UP": "false"}
    names = (
        "data_dir",
        "database_url",
        "redis_url",
        "jobs_backend",
        "jobs_queue",
        "job_heartbeat_s",
        "job_stale_after_s",
        "job_reconcile_s",
        "job_retry_base_s",
        "embedding_model",
        "file_store",
    )
    for name in names:
        value = getattr(settings, name, None)
        if value is not None:
            env[f"ASKWELL_{name.upper()}"] = str(value)
    return env


@contextmanager
def running_worker(
    settings: Settings, log_path: Path, *, concurrency: int = 1, netns: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """An `askwell worker` until the block ends (SIGTERM, then SIGKILL if it lingers).

    With `netns`, it runs in that network namespace (`ip netns exec`, which execs the worker:
    the pid is the worker's own).
    """
    command = [askwell_command(), "worker", "--concurrency", str(concurrency)]
    if netns is not None:
        command = ["ip", "netns", "exec", netns, *command]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            env=worker_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while b"Worker ready" not in log_path.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.1)
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
