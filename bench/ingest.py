"""Ingestion throughput on the docs-devset corpus: Askwell, LlamaIndex's IngestionPipeline, the raw embedder.

    python bench/ingest.py [--corpus sqlite|pgdocs] [--corpus-dir DIR] [--limit-pages N]
                           [--systems askwell peer limit] [--peer-python /tmp/peer-venv/bin/python]
                           [--data-dir DIR] [--py-spy]

Build the corpus first: ``../shared/datasets/docs-devset/build_corpus.sh /tmp/docs-devset-corpus``
(``--corpus sqlite``, the default), or ``bench/data/pgdocs-devset/build_corpus.sh /tmp/pgdocs-corpus``
(``--corpus pgdocs``); ``--corpus-dir`` when it was built elsewhere.

Each system runs in its own fresh process, one after the other, so each has its own peak RSS
(VmHWM, read by the process itself at the end):

- **askwell**: the product path. A fresh data dir (SQLite, embedded defaults), an assistant
  "bench", then ``askwell.cli.ingest.ingest_paths`` with a started Runtime, which is
  what ``askwell ingest CORPUS --assistant bench`` runs: upload (copy + hash) of every page,
  the in-process job queue, parse -> split -> embed -> index into SQLite + FTS5. Document
  names are paths relative to the corpus (``c3ref/open.html``). The data dir is kept, so
  ``bench/retrieval.py --data-dir DIR`` can search it without re-ingesting.
- **peer**: LlamaIndex ``IngestionPipeline`` (llama-index-core, from a separate venv that also
  has askwell installed editable). Pages are read and their text extracted by Askwell's own
  HTML parser (so only the pipeline differs), then ``SentenceSplitter(chunk_size=200,
  chunk_overlap=40)`` counting tokens with the same MiniLM tokenizer, then a ``BaseEmbedding``
  that calls Askwell's ``LocalOnnxEmbedder`` (same ONNX model, same settings: batches of 8
  inside each call, 64 texts per call), into a ``SimpleVectorStore`` persisted to disk at the
  end. The pipeline's defaults otherwise (its in-memory transformation cache included).
- **limit**: the raw embedder alone: ``LocalOnnxEmbedder.embed`` on exactly the texts Askwell
  embedded (rebuilt from its chunks with ``pipeline.embedding_text``, checked against the stored
  hashes), document by document in calls of 64 as the pipeline makes them; model loaded first.

Wall times are for the ingestion itself (process start, imports and migrations excluded, model
load included for askwell and peer, which load it lazily). "other CPU" is the machine's busy
CPU during the run minus the measured process's own: the load of other work on this host.
Writes bench/out/ingest-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus

EMBED_CALL = 64  # texts per embed call, as askwell.documents.ingestion.pipeline._EMBED_BATCH
CHUNK_TOKENS, CHUNK_OVERLAP = 200, 40  # askwell's defaults (Settings.chunk_tokens / chunk_overlap)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text())


# --- children -----------------------------------------------------------------------------------


async def _child_askwell(args: argparse.Namespace) -> dict[str, Any]:
    from askwell.runtime import Runtime

    settings = _corpus.settings(Path(args.data_dir))
    runtime = await Runtime.start(settings, start_jobs=True)
    try:
        cpu = _cpu_seconds()
        result = await _corpus.ingest_askwell(runtime, Path(args.corpus))
        cpu = _cpu_seconds() - cpu
        rss = _corpus.peak_rss_mb()
        texts = await _corpus.chunk_texts(runtime)
    finally:
        await runtime.close()
    _write_json(Path(args.chunks_file), texts)
    return {
        "pages": result.files,
        "chunks": result.chunks,
        "failed": result.failed,
        "seconds": result.seconds,
        "cpu_s": cpu,
        "peak_rss_mb": rss,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "embedding_batch_size": settings.embedding_batch_size,
    }


def _child_peer(args: argparse.Namespace) -> dict[str, Any]:
    from llama_index.core import Document
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.vector_stores import SimpleVectorStore
    from pydantic import PrivateAttr

    from askwell.documents.ingestion.chunking import document_text
    from askwell.documents.parsing import parse
    from askwell.embeddings import local_onnx

    settings = _corpus.settings(Path(args.data_dir))
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)

    class AskwellEmbedding(BaseEmbedding):
        """LlamaIndex embedding over Askwell's LocalOnnxEmbedder (sync calls on a private loop)."""

        _embedder: Any = PrivateAttr()
        _loop: Any = PrivateAttr()

        def __init__(self, embedder: Any, **kwargs: Any) -> None:
            super().__init__(model_name=embedder.name, **kwargs)
            self._embedder = embedder
            self._loop = asyncio.new_event_loop()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._loop.run_until_complete(self._embedder.embed(list(texts))).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._loop.run_until_complete(self._embedder.embed_query(query)).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return (await self._embedder.embed_query(query)).tolist()

    from tokenizers import Tokenizer

    from askwell.embeddings.catalogue import MODELS
    from askwell.embeddings.local_onnx import _read_verified

    tokenizer = Tokenizer.from_str(_read_verified(MODELS["all-minilm-l6-v2"].tokenizer).decode())
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def encode(text: str) -> list[int]:
        return tokenizer.encode(text, add_special_tokens=False).ids

    embedder = local_onnx.create("all-minilm-l6-v2", settings)
    embed_model = AskwellEmbedding(embedder, embed_batch_size=EMBED_CALL)
    store = SimpleVectorStore()
    pipeline = IngestionPipeline(
        transformations=[
            SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP, tokenizer=encode),
            embed_model,
        ],
        vector_store=store,
    )
    files = _corpus.pages(Path(args.corpus), args.limit_pages)
    cpu, started = _cpu_seconds(), time.perf_counter()
    documents = []
    for path, name in files:
        parsed = parse(path, "html")
        documents.append(
            Document(
                text=document_text(parsed),
                metadata={"file_name": name},
                excluded_embed_metadata_keys=["file_name"],
                excluded_llm_metadata_keys=["file_name"],
            )
        )
    parsed_s = time.perf_counter() - started
    nodes = pipeline.run(documents=documents)
    store.persist(str(Path(args.data_dir) / "vector_store.json"))
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    import llama_index.core

    return {
        "pages": len(documents),
        "chunks": len(nodes),
        "seconds": seconds,
        "read_parse_s": parsed_s,
        "cpu_s": cpu,
        "peak_rss_mb": _corpus.peak_rss_mb(),
        "llama_index_core": llama_index.core.__version__,
        "mean_chunk_tokens": sum(len(encode(n.get_content())) for n in nodes) / max(len(nodes), 1),
    }


async def _child_limit(args: argparse.Namespace) -> dict[str, Any]:
    from askwell.embeddings import local_onnx

    groups: list[tuple[str, list[str]]] = _read_json(Path(args.chunks_file))
    settings = _corpus.settings(Path(args.data_dir))
    embedder = local_onnx.create("all-minilm-l6-v2", settings)
    load_started = time.perf_counter()
    await embedder.load()
    load_s = time.perf_counter() - load_started
    texts = [t for _, group in groups for t in group]
    cpu, started = _cpu_seconds(), time.perf_counter()
    if args.limit_mode == "per-document":
        for _, group in groups:
            for start in range(0, len(group), EMBED_CALL):
                await embedder.embed(group[start : start + EMBED_CALL])
    else:  # one call: the embedder sorts all texts by length, so batches pad least
        await embedder.embed(texts)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    await embedder.aclose()
    from askwell.documents.ingestion.tokens import token_counter

    count = token_counter()
    return {
        "pages": len(groups),
        "chunks": len(texts),
        "seconds": seconds,
        "cpu_s": cpu,
        "model_load_s": load_s,
        "peak_rss_mb": _corpus.peak_rss_mb(),
        "mode": args.limit_mode,
        "mean_tokens": sum(count(t) for t in texts) / max(len(texts), 1),
    }


# --- orchestration ------------------------------------------------------------------------------


def _run_child(system: str, args: argparse.Namespace, python: str, result_file: Path) -> dict[str, Any]:
    command = [
        python,
        str(Path(__file__).resolve()),
        "--child",
        system,
        "--corpus-dir",
        str(args.corpus),
        "--data-dir",
        str(args.data_dir if system == "askwell" else Path(args.data_dir).with_name("peer-data")),
        "--chunks-file",
        str(args.chunks_file),
        "--result-file",
        str(result_file),
        "--limit-mode",
        args.limit_mode,
    ]
    if args.limit_pages:
        command += ["--limit-pages", str(args.limit_pages)]
    if args.py_spy:
        profile = _corpus.OUT / "profiles" / f"ingest-{system}-{_corpus.timestamp()}.txt"
        profile.parent.mkdir(parents=True, exist_ok=True)
        spy = str(Path(sys.executable).with_name("py-spy"))
        command = [spy, "record", "--format", "raw", "--rate", "50", "-o", str(profile), "--", *command]
    busy, load_samples = _corpus.cpu_busy_seconds(), []
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=_corpus.ROOT)
    while process.poll() is None:
        if time.perf_counter() - started > args.timeout:
            process.kill()
            process.wait()
            raise SystemExit(f"{system}: over the {args.timeout} s limit, killed")
        load_samples.append(os.getloadavg()[0])
        time.sleep(1.0)
    if process.returncode != 0:
        raise SystemExit(f"{system}: exit code {process.returncode}")
    wall = time.perf_counter() - started
    busy = _corpus.cpu_busy_seconds() - busy
    result = json.loads(result_file.read_text())
    result["process_wall_s"] = wall
    result["other_cpu_pct"] = round(100 * max(busy - result["cpu_s"], 0) / result["seconds"], 0)
    result["loadavg_mean"] = round(sum(load_samples) / max(len(load_samples), 1), 2)
    result["loadavg_max"] = max(load_samples, default=0.0)
    result["pages_per_s"] = result["pages"] / result["seconds"]
    result["chunks_per_s"] = result["chunks"] / result["seconds"]
    result["chunks_per_cpu_s"] = result["chunks"] / result["cpu_s"]
    result["pages_per_cpu_s"] = result["pages"] / result["cpu_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _corpus.add_corpus_arguments(parser)
    parser.add_argument("--limit-pages", type=int, default=None, help="first N pages only (quick runs)")
    parser.add_argument("--systems", nargs="+", default=["askwell", "peer", "limit"])
    parser.add_argument("--peer-python", default="/tmp/peer-venv/bin/python")
    parser.add_argument("--data-dir", type=Path, default=None, help="Askwell's data dir (kept)")
    parser.add_argument("--limit-mode", choices=["per-document", "one-call"], default="per-document")
    parser.add_argument("--timeout", type=float, default=1500.0, help="seconds per system")
    parser.add_argument("--py-spy", action="store_true", help="profile each system (raw stacks)")
    parser.add_argument("--child", choices=["askwell", "peer", "limit"], help=argparse.SUPPRESS)
    parser.add_argument("--chunks-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "askwell":
            result = asyncio.run(_child_askwell(args))
        elif args.child == "peer":
            result = _child_peer(args)
        else:
            result = asyncio.run(_child_limit(args))
        args.result_file.write_text(json.dumps(result))
        return

    _corpus.chosen_corpus(args)
    stamp = _corpus.timestamp()
    work = Path(f"/tmp/askwell-bench-ingest-{stamp}")
    args.data_dir = args.data_dir or work / "askwell-data"
    if Path(args.data_dir).exists() and any(Path(args.data_dir).iterdir()):
        raise SystemExit(f"{args.data_dir} is not empty: the askwell run needs a fresh data dir")
    args.corpus = _corpus.subset_dir(args.corpus, args.limit_pages, work / "corpus")
    args.chunks_file = args.chunks_file or work / "chunks.json"
    work.mkdir(parents=True, exist_ok=True)
    if "limit" in args.systems and "askwell" not in args.systems and not args.chunks_file.exists():
        raise SystemExit("the limit embeds Askwell's chunks: run askwell too, or pass --chunks-file")

    info = _corpus.machine()
    print(f"{info['date_utc']}  nproc {info['nproc']}  {info['cpu']}  load {info['loadavg']}", flush=True)
    results: dict[str, dict[str, Any]] = {}
    for system in args.systems:
        python = args.peer_python if system == "peer" else sys.executable
        print(f"running {system} ...", flush=True)
        results[system] = _run_child(system, args, python, work / f"{system}.json")
        r = results[system]
        print(
            f"  {r['pages']} pages, {r['chunks']} chunks in {r['seconds']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB, other CPU {r['other_cpu_pct']:.0f} %",
            flush=True,
        )
    _print_table(results)
    ratios = _ratios(results)
    for key, value in ratios.items():
        print(f"{key}: {value:.3f}")
    path = _corpus.write_json(
        "ingest",
        {
            "machine": info,
            "args": {k: str(v) for k, v in vars(args).items()},
            "results": results,
            "ratios": ratios,
            "targets": {"askwell_vs_peer_pages_per_s": 1.5, "askwell_vs_limit_chunks_per_s": 0.8},
        },
    )
    print(f"wrote {path}  (askwell data dir kept: {args.data_dir})")


def _ratios(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    ratios: dict[str, float] = {}
    a, p, lim = results.get("askwell"), results.get("peer"), results.get("limit")
    if a and p:
        ratios["askwell_vs_peer_pages_per_s"] = a["pages_per_s"] / p["pages_per_s"]
        ratios["askwell_vs_peer_chunks_per_s"] = a["chunks_per_s"] / p["chunks_per_s"]
        ratios["askwell_vs_peer_pages_per_cpu_s"] = a["pages_per_cpu_s"] / p["pages_per_cpu_s"]
    if a and lim:
        ratios["askwell_vs_limit_chunks_per_s"] = a["chunks_per_s"] / lim["chunks_per_s"]
        ratios["askwell_vs_limit_chunks_per_cpu_s"] = a["chunks_per_cpu_s"] / lim["chunks_per_cpu_s"]
    return ratios


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = [
        ("pages", "pages", "{:.0f}"),
        ("chunks", "chunks", "{:.0f}"),
        ("wall s", "seconds", "{:.1f}"),
        ("pages/s", "pages_per_s", "{:.2f}"),
        ("chunks/s", "chunks_per_s", "{:.1f}"),
        ("CPU s", "cpu_s", "{:.1f}"),
        ("chunks per CPU-s", "chunks_per_cpu_s", "{:.1f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
        ("other CPU %", "other_cpu_pct", "{:.0f}"),
        ("load avg mean", "loadavg_mean", "{:.2f}"),
    ]
    names = list(results)
    print("\n| | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for label, key, fmt in rows:
        cells = [fmt.format(results[n][key]) if key in results[n] else "" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()


if __name__ == "__main__":
    main()
