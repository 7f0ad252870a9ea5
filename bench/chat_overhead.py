"""Benchmark of the chat service's own overhead, next to a FastAPI + uvicorn floor.

What it does, for two servers started as subprocesses on 127.0.0.1 and measured in the
same run:

* **askwell**: `askwell serve` with a fresh data folder and the `scripted:echo` model (a
  deterministic model with no latency), an anonymous assistant created with
  `askwell assistants create bench` beforehand, and no start-up warm-up of the embedder
  and local model (ASKWELL_WARM_UP=false: this bench uses neither). SQLite + in-process memory by default;
  PostgreSQL and/or Redis with `--database-url` / `--redis-url` (a fresh database
  `askwell_bench_<hex>` is created on that server and dropped afterwards; the run's Redis
  keys are deleted afterwards).
* **floor**: bench/_floor_server.py, a minimal FastAPI + uvicorn NDJSON endpoint that
  streams the same events (start, 4 steps, one token per word of the echo answer, done)
  with no database and no auth: the floor for this stack.

Against each: a warm-up of `--warmup` chats, then `--chats` chats over `--concurrency`
concurrent streams, with the same load generator for both servers: by default a lean
HTTP/1.1 client on asyncio streams (RawClient, keep-alive, about 0.3 ms of CPU a chat);
`--client httpx` uses httpx.AsyncClient as the first runs did (2 to 3 ms a chat).
Each worker keeps a session for `--turns-per-session` turns, then starts a new one, so
the short-term memory is read and written. `--rate N` makes it an open loop instead: N
chats started per second, at most `--concurrency` in flight. Per chat: the time to the
first NDJSON line and to the `done` event, from just before the request is sent. Errors:
non-200 answers, `error` events, streams without `done`, exceptions (timeouts included).
The server's RSS (VmRSS) is read after the warm-up and after the load, and its CPU time
(all threads, and the event-loop thread alone) during the load. Everything stops by
itself: the whole run has a `--timeout` (default 600 s).

The load generator runs in this process, on the same machine as the server (and as
PostgreSQL/Redis when used): on a small machine it competes with them for the CPU, so
the latencies are upper bounds of the service's own; "other processes' CPU" in the table
shows how much the rest of the machine took meanwhile. `--pin` puts the server on CPU 0
and this process (the load generator) on CPU 1 (Linux only; PostgreSQL and Redis are
left unpinned). CPU milliseconds per chat are the figure least disturbed by a busy
machine.

Prints a table (with the targets) and writes JSON to bench/out/chat_overhead-<UTC>.json;
exits with status 1 when Askwell misses a target.

Run, from the repository root, with the project's virtual environment:

    .venv/bin/python bench/chat_overhead.py --pin                 # SQLite + in-process memory
    eval "$(scripts/test-services.sh start 2>/dev/null)"
    .venv/bin/python bench/chat_overhead.py \\
        --database-url "$ASKWELL_TEST_DATABASE_URL" --redis-url "$ASKWELL_TEST_REDIS_URL"
    .venv/bin/python bench/chat_overhead.py --chats 200 --concurrency 10   # a quick look
    .venv/bin/python bench/chat_overhead.py --rate 40                       # open loop

`--src DIR` benches askwell from another source folder (e.g. an export of a commit:
`git archive HEAD src | tar -x -C /tmp/askwell-head`, then `--src /tmp/askwell-head/src`);
`--py-spy FILE` samples the askwell server with py-spy during the load (`--py-spy-native`
adds C frames, e.g. SQLite's busy handler).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # the repository root, for tests.server

from tests.server import askwell_command, free_port, running_process  # noqa: E402

OUT_DIR = BENCH_DIR / "out"
FLOOR_SERVER = BENCH_DIR / "_floor_server.py"
STREAM_PATH = "/api/v1/chat/stream"
HEALTH_PATH = "/api/v1/health"

# From the issue: the service's own overhead with a model of no latency.
TARGETS = {
    "first_event_p50_ms": 20.0,
    "first_event_p99_ms": 150.0,
    "errors": 0,
    "rss_growth_mb": 50.0,
}


# --- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    assistant_id: str
    log_path: Path

    def rss_mb(self) -> float | None:
        return _proc_status_mb(self.process.pid, "VmRSS")

    def peak_rss_mb(self) -> float | None:
        return _proc_status_mb(self.process.pid, "VmHWM")

    def cpu_s(self) -> float | None:
        """User + system CPU seconds of the server process (all its threads)."""
        return _stat_cpu_s(f"/proc/{self.process.pid}/stat")

    def main_thread_cpu_s(self) -> float | None:
        """CPU seconds of the main thread alone: the event loop (the rest: DB driver threads)."""
        return _stat_cpu_s(f"/proc/{self.process.pid}/task/{self.process.pid}/stat")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _stat_cpu_s(path: str) -> float | None:
    try:
        stat = Path(path).read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_status_mb(pid: int, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _pinned_to(cpus: set[int] | None) -> Callable[[], None] | None:
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextlib.contextmanager
def running(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    assistant_id: str,
    cpus: set[int] | None,
    start_timeout_s: float = 60.0,
) -> Iterator[Server]:
    """Start a server subprocess (tests/server.py's helper), wait for health, stop it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = cwd / f"{name}-server.log"
    with running_process(
        [*command, "--port", str(port)],
        env=env,
        cwd=cwd,
        health_url=base_url + HEALTH_PATH,
        log_path=log_path,
        start_timeout_s=start_timeout_s,
        preexec_fn=_pinned_to(cpus),  # only sets the CPU affinity
    ) as process:
        yield Server(name, process, base_url, assistant_id, log_path)


def askwell_env(
    data_dir: Path, database_url: str | None, redis_url: str | None, src: Path | None
) -> dict[str, str]:
    """This environment without ASKWELL_* settings, plus the benchmark's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKWELL_")}
    if src is not None:  # ahead of the installed (editable) package
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.update(
        ASKWELL_DATA_DIR=str(data_dir),
        ASKWELL_DEFAULT_MODEL="scripted:echo",
        ASKWELL_LOG_LEVEL="WARNING",
        # No background load of the embedder and local model at start-up: this bench uses
        # neither, and the load would land in the warm-up or the measured phase.
        ASKWELL_WARM_UP="false",
    )
    if database_url:
        env["ASKWELL_DATABASE_URL"] = database_url
    if redis_url:
        env["ASKWELL_REDIS_URL"] = redis_url
    return env


def create_assistant(env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [askwell_command(), "assistants", "create", "bench"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r"\(([0-9a-f-]{36})\)", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"askwell assistants create failed:\n{done.stdout}\n{done.stderr}")
    return found.group(1)


# --- PostgreSQL and Redis housekeeping ---------------------------------------------------


async def create_database(url: str) -> tuple[str, str]:
    """A fresh database on the server of `url`: (its SQLAlchemy URL, its name)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"askwell_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.set(database=name).render_as_string(hide_password=False), name


async def drop_database(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _asyncpg_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def delete_redis_keys(url: str, pattern: str) -> int:
    import redis.asyncio as redis

    client = redis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=pattern, count=1000)]
        if keys:
            await client.delete(*keys)
        return len(keys)
    finally:
        await client.aclose()


# --- load --------------------------------------------------------------------------------


@dataclass
class ChatResult:
    first_ms: float | None = None
    done_ms: float | None = None
    events: int = 0
    error: str | None = None


@dataclass
class LoadResult:
    chats: list[ChatResult] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float | None = None
    server_main_cpu_s: float | None = None
    machine_busy: float | None = None  # share of all CPUs busy during the load, 0..1
    client_cpu_s: float | None = None  # this process (the load generator)
    late_starts: int = 0  # open loop: chats sent > 10 ms after they were due
    others_cpu_s: float | None = None  # everything else on the machine (PostgreSQL, Redis, neighbours)


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class RawClient:
    """The lean load generator: HTTP/1.1 keep-alive connections over asyncio streams.

    It writes one request, reads the status line and headers, then the chunked body, and
    splits it into NDJSON lines as chunks arrive (a line counts when its chunk arrives).
    About a tenth of httpx's CPU per chat, so that on a small machine the generator takes
    less of the CPU it shares with the server. Connections are reused LIFO, opened when
    none is idle; the callers bound how many are in use at once. A kept-alive connection
    idle for 4 s is dropped, and a request that finds its kept-alive connection closed by
    the server before any answer is sent once more on a new one (what httpx does too).
    """

    _MAX_IDLE_S = 4.0  # under uvicorn's 5 s keep-alive timeout: older idle connections are dropped

    def __init__(self, base_url: str) -> None:
        host_port = base_url.removeprefix("http://")
        host, _, port = host_port.partition(":")
        self._host, self._port = host, int(port or 80)
        self._head = f"POST {STREAM_PATH} HTTP/1.1\r\nHost: {host_port}\r\n".encode()
        self._idle: list[tuple[Connection, float]] = []  # (connection, idle since), newest last

    async def aclose(self) -> None:
        for (_, writer), _since in self._idle:
            writer.close()
        self._idle.clear()

    async def chat(self, body: dict[str, str], timeout_s: float) -> ChatResult:
        payload = json.dumps(body).encode()
        request = b"".join(
            (
                self._head,
                b"Content-Type: application/json\r\nAccept: application/x-ndjson\r\n",
                b"Content-Length: %d\r\n\r\n" % len(payload),
                payload,
            )
        )
        result = ChatResult()
        connection = None
        reusable = False
        sent = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                connection, reused = await self._checkout()
                sent = time.perf_counter()
                try:
                    status, chunked, length, reusable = await self._ask(connection, request)
                except (ConnectionError, asyncio.IncompleteReadError):
                    if not reused:
                        raise
                    # The server closed this kept-alive connection before reading the request
                    # (its keep-alive timeout): send it once more on a new one, as httpx does.
                    connection[1].close()
                    connection = None
                    connection = await self._connect()
                    status, chunked, length, reusable = await self._ask(connection, request)
                reader = connection[0]
                if status != 200:
                    result.error = f"http_{status}"
                    await self._skip_body(reader, chunked, length)
                else:
                    await self._read_events(reader, sent, result)
        except TimeoutError:
            result.error, reusable = "timeout", False
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            result.error, reusable = type(exc).__name__, False
        finally:
            if connection is not None:
                if reusable:
                    self._idle.append((connection, time.monotonic()))
                else:
                    connection[1].close()
        if result.done_ms is None and result.error is None:
            result.error = "no_done"
        return result

    async def _checkout(self) -> tuple[Connection, bool]:
        """An idle connection (reused: True) or a new one."""
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < self._MAX_IDLE_S:
                return connection, True
            connection[1].close()
        return await self._connect(), False

    async def _ask(self, connection: Connection, request: bytes) -> tuple[int, bool, int | None, bool]:
        reader, writer = connection
        writer.write(request)
        return await self._head_of(reader)

    async def _connect(self) -> Connection:
        return await asyncio.open_connection(self._host, self._port, limit=1 << 20)

    @staticmethod
    async def _head_of(reader: asyncio.StreamReader) -> tuple[int, bool, int | None, bool]:
        """(status, chunked?, content length, keep-alive?) from the status line and headers."""
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("connection closed before the answer")
        status = int(status_line.split(None, 2)[1])
        chunked, length, keep_alive = False, None, True
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"content-length":
                length = int(value)
            elif name == b"connection":
                keep_alive = value != b"close"
        return status, chunked, length, keep_alive

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            size = int((await reader.readline()).split(b";", 1)[0], 16)
            if size == 0:
                await reader.readline()  # the empty trailer
                return
            data = await reader.readexactly(size + 2)
            yield data[:-2]

    async def _skip_body(self, reader: asyncio.StreamReader, chunked: bool, length: int | None) -> None:
        if chunked:
            async for _ in self._chunks(reader):
                pass
        elif length:
            await reader.readexactly(length)

    async def _read_events(self, reader: asyncio.StreamReader, sent: float, result: ChatResult) -> None:
        pending = b""
        async for data in self._chunks(reader):
            now = time.perf_counter()
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                if line.strip():
                    _count_event(result, line, now, sent)
        if pending.strip():
            _count_event(result, pending, time.perf_counter(), sent)


def _count_event(result: ChatResult, line: bytes | str, now: float, sent: float) -> None:
    if result.first_ms is None:
        result.first_ms = (now - sent) * 1000
    result.events += 1
    event = json.loads(line)
    if event.get("type") == "error" and result.error is None:
        result.error = f"error_event:{event.get('code')}"
    elif event.get("type") == "done":
        result.done_ms = (now - sent) * 1000


class HttpxClient:
    """The first load generator: httpx.AsyncClient (HTTP/1.1, a pool of `concurrency`)."""

    def __init__(self, base_url: str, concurrency: int) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self._client = httpx.AsyncClient(
            base_url=base_url, limits=limits, http1=True, http2=False, trust_env=False, timeout=None
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def chat(self, body: dict[str, str], timeout_s: float) -> ChatResult:
        result = ChatResult()
        sent = time.perf_counter()
        try:
            async with (
                asyncio.timeout(timeout_s),
                self._client.stream("POST", STREAM_PATH, json=body) as response,
            ):
                if response.status_code != 200:
                    await response.aread()
                    result.error = f"http_{response.status_code}"
                    return result
                async for line in response.aiter_lines():
                    if line:
                        _count_event(result, line, time.perf_counter(), sent)
        except TimeoutError:
            result.error = "timeout"
        except (httpx.HTTPError, OSError, ValueError) as exc:
            result.error = type(exc).__name__
        if result.done_ms is None and result.error is None:
            result.error = "no_done"
        return result


def new_client(kind: str, base_url: str, concurrency: int) -> RawClient | HttpxClient:
    return RawClient(base_url) if kind == "raw" else HttpxClient(base_url, concurrency)


async def run_load(
    server: Server,
    *,
    chats: int,
    concurrency: int,
    turns_per_session: int,
    tag: str,
    deadline: float,
    request_timeout_s: float,
    rate: float | None = None,
    client_kind: str = "raw",
    drain: bool = False,
) -> LoadResult:
    """`chats` chats, at most `concurrency` at a time, each session kept for a few turns.

    Closed loop by default: `concurrency` workers, each sending its next chat as soon as
    the last one is done. With `rate`: open loop, chat n is due at n / rate seconds (later
    if `concurrency` chats are already in flight; those are counted as late starts).
    Turns of one session never overlap. With `drain`, the deadline stops new chats only: one
    already sent gets the whole `request_timeout_s` (else it is cut at the deadline, an error).
    """
    result = LoadResult()
    numbers = itertools.count()
    sessions = itertools.count()

    def body(number: int, session_id: str) -> dict[str, str]:
        return {
            "message": f"bench question {number}",
            "assistant_id": server.assistant_id,
            "session_id": session_id,
        }

    async def worker() -> None:
        session_id = ""
        for turn in itertools.count():
            number = next(numbers)
            left = deadline - time.monotonic()
            if number >= chats or left <= 0:
                return
            if turn % turns_per_session == 0:
                session_id = f"bench-{tag}-s{next(sessions)}"
            timeout_s = request_timeout_s if drain else min(request_timeout_s, left)
            chat = await client.chat(body(number, session_id), timeout_s)
            result.chats.append(chat)

    async def open_loop(rate: float) -> None:
        slots = asyncio.Semaphore(concurrency)
        idle: deque[tuple[str, int]] = deque()  # sessions between turns: (id, turns done)
        in_flight: set[asyncio.Task[None]] = set()

        async def send(number: int, session_id: str, turn: int, left: float) -> None:
            try:
                chat = await client.chat(body(number, session_id), min(request_timeout_s, left))
                result.chats.append(chat)
            finally:
                slots.release()
            if turn + 1 < turns_per_session:
                idle.append((session_id, turn + 1))

        begin = time.monotonic()
        for number in range(chats):
            due = begin + number / rate
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            await slots.acquire()
            left = deadline - time.monotonic()
            if left <= 0:
                slots.release()
                break
            if time.monotonic() - due > 0.010:
                result.late_starts += 1
            session_id, turn = idle.popleft() if idle else (f"bench-{tag}-s{next(sessions)}", 0)
            task = asyncio.create_task(send(number, session_id, turn, left))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await asyncio.gather(*in_flight)

    client = new_client(client_kind, server.base_url, concurrency)
    try:
        cpu_before, busy_before, client_before = server.cpu_s(), _machine_cpu(), _own_cpu_s()
        main_before = server.main_thread_cpu_s()
        started = time.perf_counter()
        if rate is None:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        else:
            await open_loop(rate)
        result.wall_s = time.perf_counter() - started
        cpu_after, busy_after = server.cpu_s(), _machine_cpu()
        main_after = server.main_thread_cpu_s()
        result.client_cpu_s = _own_cpu_s() - client_before
    finally:
        await client.aclose()

    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_s = cpu_after - cpu_before
    if main_before is not None and main_after is not None:
        result.server_main_cpu_s = main_after - main_before
    if busy_before and busy_after:
        total = busy_after[1] - busy_before[1]
        busy = busy_after[0] - busy_before[0]
        result.machine_busy = busy / total if total else None
        if result.server_cpu_s is not None:
            busy_s = busy / os.sysconf("SC_CLK_TCK")
            result.others_cpu_s = max(0.0, busy_s - result.server_cpu_s - result.client_cpu_s)
    return result


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu() -> tuple[int, int] | None:
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    values = [int(v) for v in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


# --- figures -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100) of `values`."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(
    load: LoadResult, *, requested: int, rss_before: float | None, rss_after: float | None, peak: float | None
) -> dict[str, Any]:
    ok = [c for c in load.chats if c.error is None]
    firsts = [c.first_ms for c in load.chats if c.first_ms is not None and c.error is None]
    dones = [c.done_ms for c in ok if c.done_ms is not None]
    errors = Counter(c.error for c in load.chats if c.error is not None)
    errors["not_run"] = requested - len(load.chats)
    errors = +errors  # drop zero counts

    def ms(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    return {
        "chats_requested": requested,
        "chats_run": len(load.chats),
        "chats_ok": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "wall_s": round(load.wall_s, 2),
        "late_starts": load.late_starts,
        "chats_per_s": round(len(ok) / load.wall_s, 1) if load.wall_s else None,
        "first_event_p50_ms": ms(percentile(firsts, 50)),
        "first_event_p99_ms": ms(percentile(firsts, 99)),
        "first_event_max_ms": ms(max(firsts, default=None)),
        "done_p50_ms": ms(percentile(dones, 50)),
        "done_p99_ms": ms(percentile(dones, 99)),
        "done_max_ms": ms(max(dones, default=None)),
        "events_per_chat": round(sum(c.events for c in ok) / len(ok), 2) if ok else None,
        "events_histogram": dict(sorted(Counter(c.events for c in ok).items())),
        "server_cpu_ms_per_chat": (
            round(load.server_cpu_s * 1000 / len(load.chats), 2)
            if load.server_cpu_s is not None and load.chats
            else None
        ),
        "server_main_thread_cpu_ms_per_chat": (
            round(load.server_main_cpu_s * 1000 / len(load.chats), 2)
            if load.server_main_cpu_s is not None and load.chats
            else None
        ),
        "client_cpu_ms_per_chat": (
            round(load.client_cpu_s * 1000 / len(load.chats), 2)
            if load.client_cpu_s is not None and load.chats
            else None
        ),
        "machine_cpu_busy_pct": round(load.machine_busy * 100, 1) if load.machine_busy is not None else None,
        "other_processes_cpu_pct": (
            round(load.others_cpu_s / load.wall_s * 100, 1)
            if load.others_cpu_s is not None and load.wall_s
            else None
        ),
        "rss_before_mb": ms(rss_before),
        "rss_after_mb": ms(rss_after),
        "rss_growth_mb": ms(rss_after - rss_before) if rss_before is not None and rss_after else None,
        "rss_peak_mb": ms(peak),
    }


def verdicts(figures: dict[str, Any]) -> dict[str, bool | None]:
    def at_most(key: str, limit: float, strict: bool = False) -> bool | None:
        value = figures.get(key)
        if value is None:
            return None
        return value < limit if strict else value <= limit

    return {
        "first_event_p50_ms": at_most("first_event_p50_ms", TARGETS["first_event_p50_ms"]),
        "first_event_p99_ms": at_most("first_event_p99_ms", TARGETS["first_event_p99_ms"]),
        "errors": figures["errors"] == TARGETS["errors"],
        "rss_growth_mb": at_most("rss_growth_mb", TARGETS["rss_growth_mb"], strict=True),
    }


_ROWS = [
    ("chats ok / requested", None, ""),
    ("errors", "errors", "= 0"),
    ("late starts (open loop)", "late_starts", ""),
    ("chats/s", "chats_per_s", ""),
    ("first event p50 (ms)", "first_event_p50_ms", "<= 20"),
    ("first event p99 (ms)", "first_event_p99_ms", "<= 150"),
    ("first event max (ms)", "first_event_max_ms", ""),
    ("done p50 (ms)", "done_p50_ms", ""),
    ("done p99 (ms)", "done_p99_ms", ""),
    ("events per chat", "events_per_chat", ""),
    ("server CPU per chat (ms)", "server_cpu_ms_per_chat", ""),
    ("  of which event loop thread (ms)", "server_main_thread_cpu_ms_per_chat", ""),
    ("load generator CPU per chat (ms)", "client_cpu_ms_per_chat", ""),
    ("machine CPU busy (%)", "machine_cpu_busy_pct", ""),
    ("other processes' CPU (% of one)", "other_processes_cpu_pct", ""),
    ("RSS after warm-up (MB)", "rss_before_mb", ""),
    ("RSS after load (MB)", "rss_after_mb", ""),
    ("RSS growth (MB)", "rss_growth_mb", "< 50"),
    ("RSS peak (MB)", "rss_peak_mb", ""),
]


def render_table(askwell: dict[str, Any], floor: dict[str, Any] | None) -> str:
    checks = verdicts(askwell)
    header = ("", "askwell", "floor", "target", "askwell vs target")
    rows = [header]
    for label, key, target in _ROWS:
        if key is None:
            cells = [f"{f['chats_ok']}/{f['chats_requested']}" if f else "-" for f in (askwell, floor)]
        else:
            cells = [_cell(f.get(key)) if f else "-" for f in (askwell, floor)]
        verdict = checks.get(key or "")
        mark = "" if verdict is None and not target else {True: "ok", False: "MISSED", None: "n/a"}[verdict]
        rows.append((label, *cells, target, mark))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(
                str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    if askwell["error_kinds"]:
        lines.append(f"askwell errors: {askwell['error_kinds']}")
    if floor and floor["error_kinds"]:
        lines.append(f"floor errors: {floor['error_kinds']}")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


# --- machine -----------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions = {}
    for package in (
        "askwell",
        "fastapi",
        "starlette",
        "uvicorn",
        "httpx",
        "sqlalchemy",
        "pydantic",
        "uvloop",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Chat overhead benchmark: askwell vs a FastAPI+uvicorn floor.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--chats", type=int, default=2000, help="chats measured per server")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent streams")
    parser.add_argument("--warmup", type=int, default=50, help="chats before the RSS baseline")
    parser.add_argument("--rate", type=float, help="open loop: chats started per second; unset: closed loop")
    parser.add_argument("--turns-per-session", type=int, default=4, help="turns before a new session")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole run")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds for one chat")
    parser.add_argument("--database-url", help="SQLAlchemy async URL of a PostgreSQL server to bench on")
    parser.add_argument("--redis-url", help="Redis URL for the conversation memory")
    parser.add_argument(
        "--src",
        type=Path,
        help="run askwell from this source folder (the one holding askwell/) instead of the installed one",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: raw asyncio streams (lean) or httpx (as in the first runs)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the floor peer")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, load generator on CPU 1")
    parser.add_argument(
        "--py-spy", type=Path, help="profile askwell during the load with py-spy (.svg, .json or raw text)"
    )
    parser.add_argument("--py-spy-native", action="store_true", help="py-spy --native (C frames too)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the JSON results")
    args = parser.parse_args(argv)
    if args.chats < 1 or args.concurrency < 1 or args.turns_per_session < 1 or args.warmup < 0:
        parser.error("--chats, --concurrency and --turns-per-session must be >= 1, --warmup >= 0")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be > 0")
    return args


def new_runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def bench_server(
    runner: asyncio.Runner, server: Server, args: argparse.Namespace, tag: str, deadline: float
) -> dict[str, Any]:
    def load(chats: int, phase: str) -> Coroutine[Any, Any, LoadResult]:
        return run_load(
            server,
            chats=chats,
            concurrency=min(args.concurrency, chats),
            turns_per_session=args.turns_per_session,
            tag=f"{tag}-{phase}",
            deadline=deadline,
            request_timeout_s=args.request_timeout,
            rate=args.rate if phase == "load" else None,
            client_kind=args.client,
        )

    rss_start, peak_start = server.rss_mb(), server.peak_rss_mb()
    print(f"[{server.name}] warm-up: {args.warmup} chats", file=sys.stderr)
    warmup = runner.run(load(args.warmup, "warm")) if args.warmup else LoadResult()
    warm_errors = sum(1 for c in warmup.chats if c.error)
    time.sleep(0.5)
    rss_before = server.rss_mb()
    print(f"[{server.name}] load: {args.chats} chats, {args.concurrency} streams", file=sys.stderr)
    with profiling(server, args.py_spy if server.name == "askwell" else None, native=args.py_spy_native):
        result = runner.run(load(args.chats, "load"))
    time.sleep(0.5)  # let the last stores finish before reading the RSS
    figures = summarize(
        result,
        requested=args.chats,
        rss_before=rss_before,
        rss_after=server.rss_mb(),
        peak=server.peak_rss_mb(),
    )
    figures["warmup_errors"] = warm_errors
    figures["rss_at_start_mb"] = round(rss_start, 1) if rss_start is not None else None
    figures["rss_peak_at_start_mb"] = round(peak_start, 1) if peak_start is not None else None
    if figures["errors"] or warm_errors:
        figures["server_log_tail"] = server.log_tail()
    return figures


@contextlib.contextmanager
def profiling(server: Server, out: Path | None, *, native: bool = False) -> Iterator[None]:
    """Sample the server with py-spy while the block runs (format from the suffix of `out`)."""
    if out is None:
        yield
        return
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not py_spy:
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(out.suffix, "raw")
    out.parent.mkdir(parents=True, exist_ok=True)
    profiler = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--format",
            fmt,
            "-o",
            str(out),
            "--threads",
            *(["--native"] if native else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let it attach
    try:
        yield
    finally:
        profiler.send_signal(signal.SIGINT)
        try:
            profiler.wait(timeout=30)
        except subprocess.TimeoutExpired:
            profiler.kill()
            profiler.wait(timeout=10)
        print(f"[{server.name}] py-spy profile: {out}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout
    started_at = datetime.now(UTC)
    tag = secrets.token_hex(4)
    server_cpus = client_cpus = None
    if args.pin:
        server_cpus, client_cpus = {0}, {1}
        os.sched_setaffinity(0, client_cpus)

    config = {
        "chats": args.chats,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "turns_per_session": args.turns_per_session,
        "load": f"open loop, {args.rate} chats/s" if args.rate else "closed loop",
        "timeout_s": args.timeout,
        "database": "postgresql" if args.database_url else "sqlite",
        "memory": "redis" if args.redis_url else "in-process",
        "pinned": args.pin,
        "client": (
            f"raw asyncio streams, HTTP/1.1 keep-alive, up to {args.concurrency} connections"
            if args.client == "raw"
            else f"httpx {httpx.__version__}, HTTP/1.1, pool of {args.concurrency}"
        ),
        "command": _redact(shlex.join(["python", *sys.argv])),
        "askwell_source": askwell_source(args.src),
    }
    results: dict[str, Any] = {"started_at": started_at.isoformat(), "config": config}
    results["machine"] = machine_info()
    results["loadavg_before"] = _loadavg()

    runner = new_runner()
    database_url, database_name = None, None
    with tempfile.TemporaryDirectory(prefix="askwell-bench-") as tmp, runner:
        workdir = Path(tmp)
        try:
            if args.database_url:
                database_url, database_name = runner.run(create_database(args.database_url))
            if not args.no_floor:
                floor_cmd = [sys.executable, str(FLOOR_SERVER)]
                with running(
                    "floor",
                    floor_cmd,
                    env=dict(os.environ),
                    cwd=workdir,
                    assistant_id=str(uuid.uuid4()),
                    cpus=server_cpus,
                ) as floor:
                    results["floor"] = bench_server(runner, floor, args, tag, deadline)
            env = askwell_env(workdir / "data", database_url, args.redis_url, args.src)
            assistant_id = create_assistant(env, workdir)
            with running(
                "askwell",
                [askwell_command(), "serve"],
                env=env,
                cwd=workdir,
                assistant_id=assistant_id,
                cpus=server_cpus,
            ) as server:
                results["askwell"] = bench_server(runner, server, args, tag, deadline)
        finally:
            if database_name and args.database_url:
                runner.run(drop_database(args.database_url, database_name))
            if args.redis_url:
                runner.run(delete_redis_keys(args.redis_url, f"askwell:memory:bench-{tag}-*"))

    results["finished_at"] = datetime.now(UTC).isoformat()
    results["loadavg_after"] = _loadavg()
    results["targets"] = TARGETS
    results["verdicts"] = verdicts(results["askwell"])
    args.out.mkdir(parents=True, exist_ok=True)
    out_file = args.out / f"chat_overhead-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    out_file.write_text(json.dumps(results, indent=2) + "\n")

    machine = results["machine"]
    print(
        f"\nchat_overhead: {args.chats} chats x {args.concurrency} streams ({config['load']}), "
        f"{config['database']} + {config['memory']} memory, "
        f"{machine['nproc']} CPUs ({machine['cpu_model']}), {machine['memory_gb']} GB"
        + (", server pinned to CPU 0, load generator to CPU 1" if args.pin else "")
    )
    print(
        "note: the load generator runs on the same machine and shares its CPUs with the server"
        + (" and with PostgreSQL/Redis" if args.database_url or args.redis_url else "")
        + f" (load average before/after: {results['loadavg_before']} / {results['loadavg_after']})\n"
    )
    print(render_table(results["askwell"], results.get("floor")))
    print(f"\nJSON: {out_file}")
    return 0 if all(results["verdicts"].values()) else 1


def askwell_source(src: Path | None) -> dict[str, str | None]:
    """Which askwell code is benched: a folder given with --src, or the installed package."""
    if src is not None:
        return {"src": str(src.resolve()), "git_head": None, "git_dirty": None}
    spec = importlib.util.find_spec("askwell")
    location = Path(spec.origin).parent if spec and spec.origin else None
    head = dirty = None
    if location is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            git = ["git", "-C", str(location)]
            head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
            status = subprocess.run(
                [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
            ).stdout
            dirty = "yes" if status.strip() else "no"
    return {"src": str(location), "git_head": head or None, "git_dirty": dirty}


def _loadavg() -> str | None:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return None


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


if __name__ == "__main__":
    sys.exit(main())
