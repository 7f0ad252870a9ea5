"""Memory of one ingesting process: where it goes, whether it comes back, what the peak follows.

    python bench/ingest_memory.py [--corpus /tmp/docs-devset-corpus] [--pages 300 | --all]
                                  [--modes ingest parse embed] [--batch-sizes 8 32]
                                  [--src LABEL=SRC_DIR ...] [--env NAME=VALUE ...]
                                  [--ort OPTION=VALUE ...] [--embed-calls N] [--no-release-per-job]

Build the corpus first: ``../shared/datasets/docs-devset/build_corpus.sh /tmp/docs-devset-corpus``.

Every run is a fresh child process (``PYTHONPATH=SRC_DIR``, so an old checkout, e.g. a
``git worktree add /tmp/base HEAD``, runs beside the current one). A thread samples the
process every 0.2 s: ``/proc/self/status`` (VmRSS, RssAnon, RssFile, Threads) and
``/proc/self/smaps_rollup`` (Anonymous); at each phase mark it also reads glibc's
``mallinfo2()`` (bytes in use and free inside malloc's heaps, mmapped bytes) and counts malloc's
arenas (``malloc_info``). Each phase row gives the figures at its end and the peak since the
previous mark.

Modes (one piece at a time, so a cause is shown, not guessed):

- **ingest**: the product path, as ``bench/ingest.py`` runs it: a fresh SQLite data dir, a
  started Runtime, an assistant, ``askwell.cli.ingest.ingest_paths`` (upload, the in-process job
  queue, parse -> split -> embed -> index). Phases: ``start-up`` (Runtime started), ``warm-up``
  (embedder loaded, one full batch of 256-token texts embedded), ``ingested`` (peak = during
  ingestion), ``searched`` (one vector search: the in-memory index of the assistant loaded),
  ``trimmed`` (``gc.collect()`` then glibc ``malloc_trim(0)``, done by this script, in every
  src). Where the src has ``askwell.process_memory.release_memory``, it is called after each
  ingestion job, as the job runner is meant to (``--no-release-per-job`` to leave it out).
- **parse**: parse and split every page in worker threads (``anyio.to_thread``, as the pipeline
  does), nothing else loaded. Phases: ``start-up``, ``parsed``, ``trimmed``. It also writes the
  chunk texts for the embed mode.
- **embed**: the embedder alone on those chunk texts (document by document, calls of 64 as the
  pipeline makes them; ``--embed-calls N`` for the first N calls). Phases: ``start-up``,
  ``warm-up``, ``embedded``, ``trimmed``.

``--ort enable_cpu_mem_arena=0`` (etc.) sets an onnxruntime SessionOptions attribute on every
session the child creates, whatever the src does; ``--env MALLOC_ARENA_MAX=2`` sets a variable
for the children. Prints a table and writes bench/out/ingest_memory-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus

EMBED_CALL = 64  # texts per embed call, as askwell.documents.ingestion.pipeline._EMBED_BATCH
_MB = 1024 * 1024
_STATUS_FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads")
# About 256 word pieces of prose: a full-length batch for the warm-up.
_WARM_TEXT = " ".join(
    "The database engine reads each page of the file once and keeps it in the page cache".split() * 16
)


# --- sampling (child) ---------------------------------------------------------------------------


def _status() -> dict[str, int]:
    """VmRSS, RssAnon, RssFile, VmHWM in bytes, and Threads, from /proc/self/status."""
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in _STATUS_FIELDS:
            number = int(value.split()[0])
            out[key] = number if key == "Threads" else number * 1024
    return out


def _rollup_anonymous() -> int:
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _Malloc:
    """glibc's view of its heaps (mallinfo2, malloc_info, malloc_trim); empty figures elsewhere."""

    def __init__(self) -> None:
        self._libc: Any = None
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name or "libc.so.6")
            libc.mallinfo2  # noqa: B018 - glibc >= 2.33
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            libc.fopen.restype = ctypes.c_void_p
            libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
            libc.fclose.argtypes = [ctypes.c_void_p]
            libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
            self._libc = libc
        except (OSError, AttributeError):
            pass

        class _Info(ctypes.Structure):
            _fields_ = [
                (n, ctypes.c_size_t)
                for n in (
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()
                )
            ]

        self._info = _Info
        if self._libc is not None:
            self._libc.mallinfo2.restype = _Info

    def info(self) -> dict[str, int]:
        if self._libc is None:
            return {}
        m = self._libc.mallinfo2()
        return {
            "heap": m.arena,  # bytes malloc got from the system for its heaps (all arenas)
            "in_use": m.uordblks,  # allocated, in those heaps
            "free": m.fordblks,  # free, still in those heaps (resident or not)
            "mmapped": m.hblkhd,  # big blocks mapped one by one (returned on free)
            "arenas": self._arenas(),
        }

    def _arenas(self) -> int:
        with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
            fp = self._libc.fopen(handle.name.encode(), b"w")
            if not fp:
                return 0
            self._libc.malloc_info(0, fp)
            self._libc.fclose(fp)
            return Path(handle.name).read_text().count("<heap nr=")

    def trim(self) -> float:
        started = time.perf_counter()
        if self._libc is not None:
            self._libc.malloc_trim(0)
        return time.perf_counter() - started


class Sampler(threading.Thread):
    """Samples the process every `interval` s; `mark(name)` closes a phase."""

    def __init__(self, malloc: _Malloc, interval: float = 0.2) -> None:
        super().__init__(daemon=True, name="memory-sampler")
        self._interval = interval
        self._malloc = malloc
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._peak = {"rss": 0, "anon": 0}
        self.samples = 0
        self.phases: list[dict[str, Any]] = []
        self._t0 = time.perf_counter()
        self._last_mark = self._t0

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self._interval)

    def _sample(self) -> dict[str, int]:
        status = _status()
        with self._lock:
            self.samples += 1
            self._peak["rss"] = max(self._peak["rss"], status.get("VmRSS", 0))
            self._peak["anon"] = max(self._peak["anon"], status.get("RssAnon", 0))
        return status

    def mark(self, name: str, **extra: Any) -> dict[str, Any]:
        status = self._sample()
        now = time.perf_counter()
        with self._lock:
            peak, self._peak = dict(self._peak), {"rss": 0, "anon": 0}
        phase = {
            "phase": name,
            "t_s": round(now - self._t0, 1),
            "phase_s": round(now - self._last_mark, 1),
            "rss": status.get("VmRSS", 0),
            "anon": status.get("RssAnon", 0),
            "file": status.get("RssFile", 0),
            "anonymous_smaps": _rollup_anonymous(),
            "threads": status.get("Threads", 0),
            "hwm": status.get("VmHWM", 0),
            "peak_rss": peak["rss"],
            "peak_anon": peak["anon"],
            "malloc": self._malloc.info(),
            **extra,
        }
        self._last_mark = now
        self.phases.append(phase)
        print(
            f"  [{name}] anon {phase['anon'] / _MB:.0f} MB (peak {phase['peak_anon'] / _MB:.0f}), "
            f"rss {phase['rss'] / _MB:.0f} MB, {phase['phase_s']} s",
            flush=True,
        )
        return phase

    def stop(self) -> None:
        self._stop_event.set()


def _patch_ort(options: dict[str, str]) -> None:
    """Set SessionOptions attributes on every onnxruntime session made after this (bench knob)."""
    if not options:
        return
    import onnxruntime as ort

    original = ort.InferenceSession

    class _Session(original):  # type: ignore[misc, valid-type]
        def __init__(self, model: Any, sess_options: Any = None, *args: Any, **kwargs: Any) -> None:
            sess_options = sess_options or ort.SessionOptions()
            for key, value in options.items():
                if key.startswith("config:"):
                    sess_options.add_session_config_entry(key.removeprefix("config:"), value)
                elif key == "arena_extend_strategy":
                    continue  # a provider option, not a SessionOptions attribute
                else:
                    current = getattr(sess_options, key)
                    setattr(
                        sess_options,
                        key,
                        type(current)(int(value)) if not isinstance(current, str) else value,
                    )
            super().__init__(model, sess_options, *args, **kwargs)

    ort.InferenceSession = _Session  # type: ignore[misc]


_RELEASED = {"calls": 0, "seconds": 0.0}


def _release_per_job() -> str:
    """Wrap the ingestion job so release_memory() runs after each one, as the job runner should."""
    try:
        from askwell.process_memory import release_memory
    except ImportError:
        return "n/a (no askwell.process_memory in this src)"
    import askwell.documents.ingestion.pipeline as pipeline
    import askwell.runtime as runtime_module

    original = pipeline.ingest_document

    async def ingest_then_release(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        finally:
            started = time.perf_counter()
            release_memory()
            _RELEASED["calls"] += 1
            _RELEASED["seconds"] += time.perf_counter() - started

    patched = [m for m in (runtime_module, pipeline) if getattr(m, "ingest_document", None) is original]
    for module in patched:
        module.ingest_document = ingest_then_release  # type: ignore[attr-defined]
    return f"after each job ({', '.join(m.__name__ for m in patched) or 'NOT PATCHED'})"


def _warm_texts(batch_size: int) -> list[str]:
    return [f"{i} {_WARM_TEXT}" for i in range(batch_size)]


async def _child_ingest(args: argparse.Namespace, sampler: Sampler, malloc: _Malloc) -> dict[str, Any]:
    from askwell.runtime import Runtime

    release = _release_per_job() if args.release_per_job else "off"
    settings = _corpus.settings(Path(args.data_dir), embedding_batch_size=args.batch_size)
    runtime = await Runtime.start(settings, start_jobs=True)
    try:
        sampler.mark("start-up")
        embedder = runtime.embedders.get()
        await embedder.load()
        await embedder.embed(_warm_texts(args.batch_size))
        sampler.mark("warm-up")
        result = await _corpus.ingest_askwell(runtime, Path(args.corpus))
        await asyncio.sleep(0.5)  # the last job's thread hops settle
        sampler.mark("ingested", pages=result.files, chunks=result.chunks, failed=len(result.failed))
        hits = await _search(runtime)
        sampler.mark("searched", hits=hits)
    finally:
        await runtime.close()
    gc.collect()
    trim_s = malloc.trim()
    sampler.mark("trimmed", trim_s=round(trim_s, 4))
    return {
        "pages": result.files,
        "chunks": result.chunks,
        "failed": result.failed[:5],
        "ingest_s": result.seconds,
        "release": release,
        "release_calls": _RELEASED["calls"],
        "release_s_total": round(_RELEASED["seconds"], 3),
    }


async def _search(runtime: Any) -> int:
    """One hybrid search through the retriever: loads the assistant's vectors into the in-memory index."""
    from askwell.assistants import service as assistant_service
    from askwell.documents.retrieval.service import filter_for

    async with runtime.session_factory() as session:
        assistant = await assistant_service.get_by_name(session=session, name=_corpus.ASSISTANT)
        sources = await runtime.retriever.search(
            session, where=filter_for(assistant.id), query="How do I create an index?", top_k=10
        )
    return len(sources)


async def _child_parse(args: argparse.Namespace, sampler: Sampler, malloc: _Malloc) -> dict[str, Any]:
    import anyio

    from askwell.documents.ingestion.chunking import split
    from askwell.documents.ingestion.tokens import token_counter
    from askwell.documents.parsing import parse

    def embedding_text(chunk: Any) -> str:  # as pipeline.embedding_text
        return (" > ".join(chunk.heading_path) + "\n" + chunk.text) if chunk.heading_path else chunk.text

    def parse_and_split(path: Path) -> list[str]:
        parsed = parse(path, "html")
        chunks = split(
            parsed,
            chunk_tokens=args.chunk_tokens,
            overlap_tokens=args.chunk_overlap,
            count_tokens=token_counter(),
        )
        return [embedding_text(c) for c in chunks]

    files = _corpus.pages(Path(args.corpus), args.pages)
    token_counter()("warm")
    sampler.mark("start-up")
    groups = []
    for path, name in files:
        groups.append((name, await anyio.to_thread.run_sync(parse_and_split, path)))
    chunks = sum(len(g) for _, g in groups)
    sampler.mark("parsed", pages=len(files), chunks=chunks)
    if args.texts_file:
        await anyio.to_thread.run_sync(Path(args.texts_file).write_text, json.dumps(groups))
    del groups
    gc.collect()
    trim_s = malloc.trim()
    sampler.mark("trimmed", trim_s=round(trim_s, 4))
    return {"pages": len(files), "chunks": chunks}


async def _child_embed(args: argparse.Namespace, sampler: Sampler, malloc: _Malloc) -> dict[str, Any]:
    import anyio

    from askwell.embeddings import local_onnx

    groups: list[tuple[str, list[str]]] = json.loads(
        await anyio.to_thread.run_sync(Path(args.texts_file).read_text)
    )
    calls = [g[s : s + EMBED_CALL] for _, g in groups for s in range(0, len(g), EMBED_CALL)]
    calls = calls[: args.embed_calls] if args.embed_calls else calls
    del groups
    settings = _corpus.settings(Path(args.data_dir), embedding_batch_size=args.batch_size)
    embedder = local_onnx.create("all-minilm-l6-v2", settings)
    sampler.mark("start-up")
    await embedder.load()
    await embedder.embed(_warm_texts(args.batch_size))
    sampler.mark("warm-up")
    kept = 0
    for texts in calls:
        kept += len(await embedder.embed(texts))  # vectors dropped, as the pipeline stores them
    sampler.mark("embedded", texts=kept, calls=len(calls))
    await embedder.aclose()
    gc.collect()
    trim_s = malloc.trim()
    sampler.mark("trimmed", trim_s=round(trim_s, 4))
    return {"texts": kept, "calls": len(calls)}


def _child(args: argparse.Namespace) -> None:
    malloc = _Malloc()
    _patch_ort(dict(kv.split("=", 1) for kv in args.ort))
    sampler = Sampler(malloc)
    sampler.start()
    runner = {"ingest": _child_ingest, "parse": _child_parse, "embed": _child_embed}[args.child]
    started = time.perf_counter()
    result = asyncio.run(runner(args, sampler, malloc))
    sampler.stop()
    result.update(
        seconds=round(time.perf_counter() - started, 1),
        cpu_s=round(time.process_time(), 1),
        samples=sampler.samples,
        phases=sampler.phases,
        peak_rss_hwm=_status().get("VmHWM", 0),
        malloc_arena_max=os.environ.get("MALLOC_ARENA_MAX"),
    )
    Path(args.result_file).write_text(json.dumps(result))


# --- orchestration ------------------------------------------------------------------------------


def _run_child(
    mode: str, src: str, pages: int, batch: int, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    tag = f"{mode}-{Path(src).parent.name}-{pages}p-b{batch}-{time.monotonic_ns()}"
    result_file = work / f"{tag}.json"
    corpus = _corpus.subset_dir(
        args.corpus, pages if pages < args.corpus_pages else None, work / f"corpus-{pages}"
    )
    texts_file = work / f"texts-{pages}.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--corpus",
        str(corpus),
        "--pages",
        str(pages),
        "--batch-sizes",
        str(batch),
        "--data-dir",
        str(work / f"data-{tag}"),
        "--result-file",
        str(result_file),
        "--texts-file",
        str(texts_file),
        "--embed-calls",
        str(args.embed_calls or 0),
        *(f"--ort={kv}" for kv in args.ort),
    ]
    if not args.release_per_job:
        command.append("--no-release-per-job")
    env = {**os.environ, "PYTHONPATH": src, **dict(kv.split("=", 1) for kv in args.env)}
    started = time.perf_counter()
    try:
        subprocess.run(command, cwd=_corpus.ROOT, env=env, check=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"{tag}: over the {args.timeout} s limit, killed") from exc
    result = json.loads(result_file.read_text())
    result["process_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def _phase(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in result["phases"] if p["phase"] == name)


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """Anonymous memory at each point of interest (MB) and the ratios the issue asks about."""
    names = [p["phase"] for p in result["phases"]]
    base = "warm-up" if "warm-up" in names else "start-up"
    work = next(n for n in ("ingested", "parsed", "embedded") if n in names)
    out = {
        "start_up_mb": _phase(result, "start-up")["anon"] / _MB,
        "warm_up_mb": _phase(result, base)["anon"] / _MB,
        "peak_mb": _phase(result, work)["peak_anon"] / _MB,
        "after_mb": _phase(result, work)["anon"] / _MB,
        "searched_mb": _phase(result, "searched")["anon"] / _MB if "searched" in names else None,
        "trimmed_mb": _phase(result, "trimmed")["anon"] / _MB,
        "peak_rss_mb": result["peak_rss_hwm"] / _MB,
        "free_in_malloc_mb": _phase(result, work)["malloc"].get("free", 0) / _MB,
        "arenas": _phase(result, work)["malloc"].get("arenas", 0),
    }
    out["after_vs_warm_up"] = out["after_mb"] / out["warm_up_mb"]
    out["peak_vs_warm_up"] = out["peak_mb"] / out["warm_up_mb"]
    return out


def _print_table(runs: list[dict[str, Any]]) -> None:
    header = (
        f"{'src':<10} {'mode':<7} {'pages':>5} {'batch':>5} {'chunks':>6} {'start':>6} {'warm':>6} "
        f"{'peak':>6} {'after':>6} {'search':>6} {'trim':>6} {'after/warm':>10} {'peak/warm':>9} "
        f"{'mfree':>6} {'arenas':>6} {'cpu s':>6}"
    )
    print("\nanonymous memory (RssAnon, MB); mfree = free bytes held inside malloc after the work")
    print(header)
    for run in runs:
        s = run["summary"]
        searched = f"{s['searched_mb']:.0f}" if s["searched_mb"] is not None else "-"
        chunks = run["result"].get("chunks", run["result"].get("texts", 0))
        print(
            f"{run['src']:<10} {run['mode']:<7} {run['pages']:>5} {run['batch']:>5} {chunks:>6} "
            f"{s['start_up_mb']:>6.0f} {s['warm_up_mb']:>6.0f} {s['peak_mb']:>6.0f} {s['after_mb']:>6.0f} "
            f"{searched:>6} {s['trimmed_mb']:>6.0f} {s['after_vs_warm_up']:>10.2f} "
            f"{s['peak_vs_warm_up']:>9.2f} "
            f"{s['free_in_malloc_mb']:>6.0f} {s['arenas']:>6} {run['result']['cpu_s']:>6.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=_corpus.DEFAULT_CORPUS)
    parser.add_argument("--pages", type=int, nargs="+", default=[300], help="corpus sizes (first N pages)")
    parser.add_argument("--all", action="store_true", help="the whole corpus (759 pages)")
    parser.add_argument("--modes", nargs="+", choices=["ingest", "parse", "embed"], default=["ingest"])
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[8], help="ASKWELL_EMBEDDING_BATCH_SIZE"
    )
    parser.add_argument(
        "--src", action="append", default=[], help="LABEL=SRC_DIR, repeatable (default: current=./src)"
    )
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the children")
    parser.add_argument(
        "--ort", action="append", default=[], help="SessionOptions ATTR=VALUE or config:KEY=VALUE"
    )
    parser.add_argument("--embed-calls", type=int, default=None, help="embed mode: first N calls of 64 texts")
    parser.add_argument("--no-release-per-job", dest="release_per_job", action="store_false")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per child")
    parser.add_argument("--child", choices=["ingest", "parse", "embed"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--chunk-tokens", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--chunk-overlap", type=int, default=40, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        args.pages, args.batch_size = args.pages[0], args.batch_sizes[0]
        _child(args)
        return

    if not (args.corpus / "index.html").exists():
        raise SystemExit(f"no corpus at {args.corpus}: run build_corpus.sh first (see the docstring)")
    args.corpus_pages = len(_corpus.pages(args.corpus))
    page_counts = [args.corpus_pages] if args.all else args.pages
    sources = [s.split("=", 1) for s in args.src] or [["current", str(_corpus.ROOT / "src")]]
    stamp = _corpus.timestamp()
    work = Path(f"/tmp/askwell-bench-ingest-memory-{stamp}")
    work.mkdir(parents=True)
    info = _corpus.machine()
    print(
        f"{info['date_utc']}  nproc {info['nproc']}  {info['ram_gib']} GiB  load {info['loadavg']}",
        flush=True,
    )

    runs: list[dict[str, Any]] = []
    modes = sorted(args.modes, key=["parse", "embed", "ingest"].index)  # embed reads what parse wrote
    for pages in page_counts:
        for mode in modes:
            if mode == "embed" and not (work / f"texts-{pages}.json").exists():
                raise SystemExit(
                    "the embed mode embeds the parse mode's chunk texts: run --modes parse embed"
                )
            for label, src in sources:
                for batch in [args.batch_sizes[0]] if mode == "parse" else args.batch_sizes:
                    print(f"{label} {mode} {pages} pages, batch {batch} ...", flush=True)
                    result = _run_child(mode, src, pages, batch, args, work)
                    runs.append(
                        {
                            "src": label,
                            "src_dir": src,
                            "mode": mode,
                            "pages": pages,
                            "batch": batch,
                            "result": result,
                            "summary": _summary(result),
                        }
                    )
    _print_table(runs)
    path = _corpus.write_json(
        "ingest_memory",
        {
            "machine": info,
            "args": {k: str(v) for k, v in vars(args).items()},
            "runs": runs,
        },
        stamp,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
