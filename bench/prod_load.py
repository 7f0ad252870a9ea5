"""Load on the production topology: API processes behind nginx, sharing PostgreSQL and Redis.

Two parts, each measured against its own baseline in the same run:

* **chat**: `--concurrency` (default 200) concurrent chat streams for `--seconds` (60), closed
  loop, with the `scripted:echo` model (no model latency: what is measured is Askwell, nginx,
  PostgreSQL and Redis), through nginx in front of 2 `askwell serve` processes, and then in
  front of 1: errors, time to first event (p50/p99), chats/s, and the RSS growth of each API
  process from after the warm-up to after the load. The load generator is chat_overhead.py's
  raw HTTP/1.1 client; each of its streams keeps a session for 4 turns.
* **ingest** (`--ingest-pages N`, default 100): the same N pages of the docs-devset corpus
  uploaded through nginx and ingested by 1 `askwell worker`, then by 2 (fresh database each):
  pages/s and chunks/s from the first upload to the last document ready.

Everything runs on 127.0.0.1: a fresh database on the given PostgreSQL server (dropped after),
the run's keys on the given Redis (deleted after), nginx from Debian (`apt-get install nginx`;
this script only starts it with a config of its own under a temporary folder). Rate limits
are switched off in the API processes: the whole load comes from one address.

    eval "$(scripts/test-services.sh start 2>/dev/null)"
    .venv/bin/python bench/prod_load.py                       # chat, then ingest
    .venv/bin/python bench/prod_load.py --seconds 20 --concurrency 50 --ingest-pages 0   # a quick look

Prints a table and writes JSON to bench/out/prod_load-<UTC>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

import chat_overhead as co  # noqa: E402
from _corpus import DEFAULT_CORPUS  # noqa: E402
from tests.server import askwell_command, free_port, running_process  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = BENCH_DIR.parent / "deploy" / "nginx.conf.template"


class Fleet:
    """API processes seen as one server by chat_overhead.run_load: CPU summed over them."""

    def __init__(self, servers: list[co.Server], base_url: str, assistant_id: str) -> None:
        self.servers = servers
        self.base_url = base_url
        self.assistant_id = assistant_id

    def cpu_s(self) -> float | None:
        values = [s.cpu_s() for s in self.servers]
        return None if None in values else sum(v for v in values if v is not None)

    def main_thread_cpu_s(self) -> float | None:
        values = [s.main_thread_cpu_s() for s in self.servers]
        return None if None in values else sum(v for v in values if v is not None)

    def rss_mb(self) -> list[float | None]:
        return [s.rss_mb() for s in self.servers]


def env_for(data_dir: Path, database_url: str, redis_url: str, queue: str) -> dict[str, str]:
    env = co.askwell_env(data_dir, database_url, redis_url, None)
    env.update(
        ASKWELL_JOBS_BACKEND="redis",
        ASKWELL_JOBS_QUEUE=queue,
        ASKWELL_RATE_LIMITS_ENABLED="false",
        ASKWELL_SECRET_KEY="bench-" + queue,  # every process signs and reads the same tokens
        MALLOC_ARENA_MAX="2",
    )
    return env


@contextlib.contextmanager
def api_processes(count: int, env: dict[str, str], cwd: Path) -> Iterator[list[co.Server]]:
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                co.running(
                    f"api{n}", [askwell_command(), "serve"], env=env, cwd=cwd, assistant_id="", cpus=None
                )
            )
            for n in range(count)
        ]
        yield servers


@contextlib.contextmanager
def nginx(ports: list[int], folder: Path) -> Iterator[str]:
    listen = free_port()
    # Started as root, nginx's workers run as nobody: they must reach its temp folders (a
    # request body above 16 kB is buffered to a file).
    for path in (folder, *folder.parents):
        if path == Path("/tmp") or path == path.parent:
            break
        path.chmod(path.stat().st_mode | 0o711)
    site = TEMPLATE.read_text()
    for name, value in {
        "${NGINX_UPSTREAMS}": "\n    ".join(f"server 127.0.0.1:{p};" for p in ports),
        "${NGINX_LISTEN}": f"127.0.0.1:{listen}",
        "${NGINX_MAX_BODY}": "60m",
    }.items():
        site = site.replace(name, value)
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n access_log off;\n client_body_temp_path {folder}/body;\n"
        f" proxy_temp_path {folder}/proxy;\n include {folder}/site.conf;\n}}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    )
    base_url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base_url + co.HEALTH_PATH, timeout=1, trust_env=False).is_success:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {(folder / 'error.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def fresh_topology(args: argparse.Namespace, data_dir: Path) -> AsyncIterator[dict[str, str]]:
    """A fresh, migrated database and a queue of its own: the settings every process of one
    measured topology gets; the database and the queue's Redis keys go afterwards."""
    database, name = await co.create_database(args.database_url)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = env_for(data_dir, database, args.redis_url, queue)
    try:
        await _migrate(env, data_dir.parent)
        yield env
    finally:
        await co.drop_database(args.database_url, name)
        await co.delete_redis_keys(args.redis_url, f"{queue}*")


async def _migrate(env: dict[str, str], cwd: Path) -> None:
    command = [askwell_command(), "migrate"]
    await asyncio.to_thread(subprocess.run, command, env=env, cwd=cwd, check=True, capture_output=True)


def _port(server: co.Server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


async def chat_part(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for count in (2, 1):
        async with fresh_topology(args, workdir / f"chat-{count}") as env:
            assistant_id = await asyncio.to_thread(co.create_assistant, env, workdir)
            folder = Path(tempfile.mkdtemp(dir=workdir))
            with (
                api_processes(count, env, workdir) as servers,
                nginx([_port(s) for s in servers], folder) as url,
            ):
                fleet = Fleet(servers, url, assistant_id)
                deadline = time.monotonic() + args.seconds + 60
                await co.run_load(
                    fleet,  # type: ignore[arg-type]
                    chats=args.warmup,
                    concurrency=min(args.concurrency, args.warmup),
                    turns_per_session=4,
                    tag=f"warm{count}",
                    deadline=deadline,
                    request_timeout_s=60,
                )
                rss_before = fleet.rss_mb()
                load = await co.run_load(
                    fleet,  # type: ignore[arg-type]
                    chats=10**9,
                    concurrency=args.concurrency,
                    turns_per_session=4,
                    tag=f"load{count}",
                    deadline=time.monotonic() + args.seconds,
                    request_timeout_s=60,
                    drain=True,  # the chats in flight at the deadline finish (and count)
                )
                rss_after = fleet.rss_mb()
            figures = co.summarize(
                load, requested=len(load.chats), rss_before=None, rss_after=None, peak=None
            )
            figures["rss_per_process_mb"] = [
                {
                    "after_warm_up": b,
                    "after_load": a,
                    "growth_pct": round((a - b) / b * 100, 1) if a and b else None,
                }
                for b, a in zip(rss_before, rss_after, strict=True)
            ]
            results[f"{count}_api"] = figures
    two, one = results["2_api"], results["1_api"]
    if two["chats_per_s"] and one["chats_per_s"]:
        results["chats_per_s_ratio_2_vs_1"] = round(two["chats_per_s"] / one["chats_per_s"], 2)
    return results


async def ingest_part(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    pages = sorted(args.corpus.rglob("*.html"))[: args.ingest_pages]
    if not pages:
        raise SystemExit(
            f"no corpus at {args.corpus}: ../shared/datasets/docs-devset/build_corpus.sh {args.corpus}"
        )
    results: dict[str, Any] = {}
    for workers in (1, 2):
        async with fresh_topology(args, workdir / f"ingest-{workers}") as env:
            folder = Path(tempfile.mkdtemp(dir=workdir))
            with contextlib.ExitStack() as stack:
                [api] = stack.enter_context(api_processes(1, env, workdir))
                url = stack.enter_context(nginx([_port(api)], folder))
                for n in range(workers):
                    stack.enter_context(
                        running_process(
                            [askwell_command(), "worker", "--concurrency", "1"],
                            env=env,
                            health_url=url + co.HEALTH_PATH,  # the worker has none: wait for the API
                            log_path=workdir / f"worker-{workers}-{n}.log",
                        )
                    )
                results[f"{workers}_worker"] = await _ingest(url, pages, args.corpus)
    one, two = results["1_worker"], results["2_worker"]
    results["pages_per_s_ratio_2_vs_1"] = round(two["pages_per_s"] / one["pages_per_s"], 2)
    return results


async def _ingest(url: str, pages: list[Path], corpus: Path) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=120, trust_env=False) as http:
        await http.post(
            "/api/v1/auth/register", json={"email": "b@example.org", "password": "bench passphrase"}
        )
        token = (
            await http.post(
                "/api/v1/auth/token", data={"username": "b@example.org", "password": "bench passphrase"}
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assistant = (await http.post("/api/v1/assistants", json={"name": "bench"}, headers=headers)).json()
        connector = (
            await http.post(
                f"/api/v1/assistants/{assistant['id']}/connectors",
                json={"type": "documents"},
                headers=headers,
            )
        ).json()
        started = time.perf_counter()
        for page in pages:  # one file a request, as the web app sends them
            # The path in the corpus: several folders hold an index.html.
            name = str(page.relative_to(corpus))
            files = [("files", (name, page.read_bytes(), "text/html"))]
            response = await http.post(
                f"/api/v1/connectors/{connector['id']}/documents", files=files, headers=headers
            )
            response.raise_for_status()
        while True:
            documents = (
                await http.get(f"/api/v1/connectors/{connector['id']}/documents", headers=headers)
            ).json()
            if all(d["status"] in ("ready", "failed") for d in documents) and len(documents) == len(pages):
                break
            await asyncio.sleep(0.5)
        seconds = time.perf_counter() - started
    chunks = sum(d["chunks"] for d in documents if d["status"] == "ready")
    return {
        "pages": len(pages),
        "failed": sum(d["status"] == "failed" for d in documents),
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "pages_per_s": round(len(pages) / seconds, 2),
        "chunks_per_s": round(chunks / seconds, 1),
    }


def render(results: dict[str, Any]) -> str:
    lines = []
    if "chat" in results:
        lines.append(
            "chat (scripted:echo through nginx)  chats/s  first p50 ms  first p99 ms  errors  RSS growth %"
        )
        for key in ("2_api", "1_api"):
            r = results["chat"][key]
            growth = ", ".join(str(p["growth_pct"]) for p in r["rss_per_process_mb"])
            lines.append(
                f"  {key:<33} {r['chats_per_s']!s:>7} {r['first_event_p50_ms']!s:>13} "
                f"{r['first_event_p99_ms']!s:>13} {r['errors']:>7}  {growth}"
            )
        lines.append(f"  2 vs 1 API processes: {results['chat'].get('chats_per_s_ratio_2_vs_1')}x chats/s")
    if "ingest" in results:
        lines.append("ingest (through nginx, N workers)   pages  chunks  seconds  pages/s  chunks/s")
        for key in ("1_worker", "2_worker"):
            r = results["ingest"][key]
            lines.append(
                f"  {key:<33} {r['pages']:>5} {r['chunks']:>7} {r['seconds']:>8} {r['pages_per_s']:>8} "
                f"{r['chunks_per_s']:>9}"
            )
        lines.append(f"  2 vs 1 workers: {results['ingest']['pages_per_s_ratio_2_vs_1']}x pages/s")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("ASKWELL_TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("ASKWELL_TEST_REDIS_URL"))
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--ingest-pages", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-chat", dest="chat", action="store_false", help="skip the chat part")
    parser.add_argument("--keep", type=Path, default=None, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    if not args.database_url or not args.redis_url:
        parser.error('needs PostgreSQL and Redis: eval "$(scripts/test-services.sh start)"')
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": co.machine_info(),
    }
    with tempfile.TemporaryDirectory(prefix="askwell-prod-load-") as tmp:
        workdir = Path(tmp)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            workdir = args.keep
        if args.chat:
            results["chat"] = asyncio.run(chat_part(args, workdir))
        if args.ingest_pages:
            results["ingest"] = asyncio.run(ingest_part(args, workdir))
    print(render(results))
    co.OUT_DIR.mkdir(exist_ok=True)
    out = co.OUT_DIR / f"prod_load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
