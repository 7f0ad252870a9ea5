"""Local models: chat speed and memory per catalogued model, and embedder throughput vs peer and limit.

    .venv/bin/python bench/local_models.py [--models qwen2.5-coder-1.5b qwen2.5-0.5b] [--chunks 256]
        [--skip-peer] [--skip-chat] [--skip-embedder] [--reps 3] [--gen-tokens 96]

Chat, for each catalogued model installed in the models folder (ASKWELL_DATA_DIR, default
./data): a ~700-token RAG prompt built by askwell.chat.prompting.build_prompt from six SQLite
documentation passages, run on two paths, each rep in a fresh subprocess (so RSS is the
model's): "llama.cpp" calls llama_cpp.Llama.create_chat_completion(stream=True) directly with
LocalChatModel's parameters, "askwell" goes through LocalChatModel.stream (worker thread +
asyncio queue). Each process loads the model, then makes three calls: cold (empty KV cache),
the same prompt again (KV prefix reused), and a different question with the same system prompt.
Measured: time to first token (TTFT), prompt tokens/s (prompt tokens / TTFT, cold call),
generation tokens/s (tokens after the first / time after the first), llama.cpp's own timers,
and memory from /proc/self/status (VmRSS, RssAnon, RssFile, VmHWM). Medians over --reps.

Embedder, on --chunks pieces of SQLite doc text that tokenise to exactly 256 tokens:
askwell's LocalOnnxEmbedder.embed (default settings: batch 8, threads = cores); the peer,
sentence-transformers fp32 on the same all-MiniLM-L6-v2 weights, in a separate venv
(--peer-python, default /tmp/refvenv/bin/python; bench/local_models_peer.py); and the limit,
raw onnxruntime session.run on one fixed pre-tokenised batch of the same int8 ONNX file (best
of batch 8/16/32, spinning off and on). Best of --repeats runs for each. The embedder and raw
rates come from bench/embedder_throughput.py's helpers.

Prints tables (with the CPU other processes took meanwhile) and writes
bench/out/local_models-<UTC timestamp>.json. Every subprocess has a timeout (--worker-timeout),
so the run stops by itself: about 5 minutes with both models on a quiet 2-core machine, twice
that when another process keeps a CPU busy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import local_models_text as corpus_text  # noqa: E402

REPO = BENCH.parent
CALLS = ("cold", "warm_same", "warm_other")
_STATUS_KEYS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")


# ----------------------------------------------------------------------------- chat worker


def _memory() -> dict[str, float]:
    """MB from /proc/self/status, plus ru_maxrss."""
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in _STATUS_KEYS:
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    values["ru_maxrss"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return values


def _perf(llm: Any) -> dict[str, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return {
        "n_p_eval": data.n_p_eval,
        "t_p_eval_ms": round(data.t_p_eval_ms, 1),
        "n_eval": data.n_eval,
        "t_eval_ms": round(data.t_eval_ms, 1),
    }


def _reset_perf(llm: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llm._ctx.ctx)


def _prompts(llm: Any, n_ctx: int, answer_tokens: int, corpus: Path) -> dict[str, Any]:
    from askwell.chat.prompting import Budget, build_prompt
    from askwell.turn.events import Source

    def count(text: str) -> int:  # what LocalChatModel.count_tokens does once loaded
        return len(llm.tokenize(text.encode(), add_bos=False, special=True))

    prompts = {}
    for key, (question, specs) in corpus_text.QUESTIONS.items():
        texts = corpus_text.passages(corpus, specs)
        sources = [
            Source(id=f"{spec.page}#{spec.paragraph}", name=spec.page, type="document", content=text)
            for spec, text in zip(specs, texts, strict=True)
        ]
        prompt = build_prompt(
            system_prompt=corpus_text.SYSTEM_PROMPT,
            question=question,
            memory=[],
            sources=sources,
            language=None,
            budget=Budget(n_ctx, answer_tokens, count),
        )
        assert prompt.passages_used == len(sources), "a passage was cut: the prompt is not the intended one"
        prompts[key] = prompt
    return prompts


def _timed(started: float, stamps: list[float], text: list[str]) -> dict[str, Any]:
    pieces = len(stamps)
    result: dict[str, Any] = {"pieces": pieces, "answer_head": "".join(text)[:120]}
    if pieces:
        result["ttft_s"] = round(stamps[0] - started, 4)
        result["total_s"] = round(stamps[-1] - started, 4)
    if pieces > 1:
        result["gen_tok_s"] = round((pieces - 1) / (stamps[-1] - stamps[0]), 2)
    return result


def _chat_worker(model_name: str, path: str, gen_tokens: int, corpus: Path) -> dict[str, Any]:
    from askwell.llm.base import GenerationOptions
    from askwell.llm.catalogue import get_card
    from askwell.llm.model_files import model_path
    from askwell.settings import Settings

    settings = Settings()
    card = get_card(model_name)
    file = model_path(card, settings.resolved_models_dir)
    n_ctx = min(settings.local_context_size, card.context_size)  # as local_llama.create
    threads = settings.local_threads or os.cpu_count() or 1  # as LocalChatModel.__init__
    options = GenerationOptions(max_tokens=gen_tokens, temperature=settings.temperature)
    result: dict[str, Any] = {
        "model": model_name,
        "path": path,
        "n_ctx": n_ctx,
        "threads": threads,
        "temperature": settings.temperature,
        "max_tokens": gen_tokens,
        "memory_before_load": _memory(),
    }

    if path == "llama.cpp":
        from llama_cpp import Llama

        started = time.perf_counter()
        llm = Llama(
            model_path=str(file),
            n_ctx=n_ctx,
            n_threads=threads,
            n_batch=512,
            chat_format=None,
            verbose=False,
        )  # the parameters of LocalChatModel._load
        result["load_s"] = round(time.perf_counter() - started, 3)

        def raw(messages: list[Any]) -> Iterator[str]:
            payload = [{"role": m.role, "content": m.content} for m in messages]
            stream = llm.create_chat_completion(
                messages=payload, max_tokens=options.max_tokens, temperature=options.temperature, stream=True
            )
            try:
                for chunk in stream:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            finally:
                stream.close()

        result["memory_after_load"] = _memory()
        prompts = _prompts(llm, n_ctx, settings.max_answer_tokens, corpus)
        calls = []
        for call, key in zip(CALLS, ("q1", "q1", "q2"), strict=True):
            _reset_perf(llm)
            stamps: list[float] = []
            text: list[str] = []
            started = time.perf_counter()
            for piece in raw(prompts[key].messages):
                stamps.append(time.perf_counter())
                text.append(piece)
            calls.append({"call": call, **_timed(started, stamps, text), **_perf(llm)})
    else:
        from askwell.llm import local_llama

        model = local_llama.create(model_name, settings)

        async def run() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            loop = asyncio.get_running_loop()
            started = time.perf_counter()
            # LocalChatModel loads on its first chat; load it first, on its own worker thread,
            # so the cold call compares with llama.cpp's (the load time is reported apart).
            llm = await loop.run_in_executor(model._executor, model._load)
            result["load_s"] = round(time.perf_counter() - started, 3)
            result["memory_after_load"] = _memory()
            prompts = _prompts(llm, n_ctx, settings.max_answer_tokens, corpus)
            calls = []
            for call, key in zip(CALLS, ("q1", "q1", "q2"), strict=True):
                _reset_perf(llm)  # the worker thread is idle between calls
                stamps: list[float] = []
                text: list[str] = []
                usage = None
                started = time.perf_counter()
                chunks: AsyncIterator[Any] = model.stream(prompts[key].messages, options)
                async for chunk in chunks:
                    if chunk.text:
                        stamps.append(time.perf_counter())
                        text.append(chunk.text)
                    if chunk.usage is not None:
                        usage = chunk.usage
                timed = _timed(started, stamps, text)
                timed["usage_prompt_tokens"] = usage.prompt_tokens if usage else None
                timed["usage_completion_tokens"] = usage.completion_tokens if usage else None
                calls.append({"call": call, **timed, **_perf(llm)})
            return calls, prompts

        calls, prompts = asyncio.run(run())
    result["calls"] = calls
    result["memory_end"] = _memory()
    result["prompt_budgeted_tokens"] = {k: p.prompt_tokens for k, p in prompts.items()}
    return result


# ----------------------------------------------------------------------------- chat driver


def _installed_models(requested: list[str] | None) -> tuple[list[str], list[str]]:
    from askwell.llm.catalogue import CATALOGUE
    from askwell.llm.model_files import is_installed
    from askwell.settings import Settings

    models_dir = Settings().resolved_models_dir
    names = requested or list(CATALOGUE)
    installed = [n for n in names if is_installed(CATALOGUE[n], models_dir)]
    return installed, [n for n in names if n not in installed]


def _read_through(path: Path) -> None:
    """Read the model file once so every rep's load finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(16 * 1024 * 1024):
            pass


def _run_worker(model: str, path: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker-chat",
        model,
        path,
        "--gen-tokens",
        str(args.gen_tokens),
        "--corpus",
        str(args.corpus),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=args.worker_timeout, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"chat worker {model} {path} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 4) if present else None


def _summarise_chat(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over reps of one (model, path)."""
    summary: dict[str, Any] = {
        "reps": len(runs),
        "load_s": _median([r["load_s"] for r in runs]),
    }
    for key in ("memory_before_load", "memory_after_load", "memory_end"):
        summary[key] = {m: _median([r[key][m] for r in runs]) for m in runs[0][key]}
    cold_prompt = [r["calls"][0]["n_p_eval"] for r in runs]
    summary["prompt_tokens"] = _median(cold_prompt)
    for index, call in enumerate(CALLS):
        rows = [r["calls"][index] for r in runs]
        entry: dict[str, Any] = {
            "ttft_s": _median([c.get("ttft_s") for c in rows]),
            "gen_tok_s": _median([c.get("gen_tok_s") for c in rows]),
            "pieces": _median([c["pieces"] for c in rows]),
            "prompt_tokens_evaluated": _median([c["n_p_eval"] for c in rows]),
            "llama_prompt_tok_s": _median(
                [c["n_p_eval"] / c["t_p_eval_ms"] * 1000 if c["t_p_eval_ms"] else None for c in rows]
            ),
            "llama_gen_tok_s": _median(
                [c["n_eval"] / c["t_eval_ms"] * 1000 if c["t_eval_ms"] else None for c in rows]
            ),
        }
        if call == "cold":
            entry["prompt_tok_s"] = _median(
                [c["n_p_eval"] / c["ttft_s"] if c.get("ttft_s") else None for c in rows]
            )
        if "usage_prompt_tokens" in rows[0]:
            entry["usage_prompt_tokens"] = _median([c["usage_prompt_tokens"] for c in rows])
        summary[call] = entry
    return summary


def run_chat(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    models, missing = _installed_models(args.models)
    if missing:
        print(f"not installed, skipped: {', '.join(missing)} (askwell models pull NAME)")
    from askwell.llm.catalogue import CATALOGUE
    from askwell.llm.model_files import model_path
    from askwell.settings import Settings

    out: dict[str, Any] = {"skipped_not_installed": missing, "models": {}}
    for model in models:
        file = model_path(CATALOGUE[model], Settings().resolved_models_dir)
        _read_through(file)
        runs: dict[str, list[dict[str, Any]]] = {"llama.cpp": [], "askwell": []}
        for rep in range(args.reps):  # interleaved, so machine noise falls on both paths alike
            for path in runs:
                started = time.perf_counter()
                runs[path].append(_run_worker(model, path, args, env))
                print(f"  {model} {path} rep {rep + 1}: {time.perf_counter() - started:.1f} s", flush=True)
        out["models"][model] = {
            "file": file.name,
            "file_mb": round(file.stat().st_size / 2**20, 1),
            "summary": {path: _summarise_chat(r) for path, r in runs.items()},
            "runs": runs,
        }
    return out


def print_chat(chat: dict[str, Any]) -> None:
    def fmt(value: Any, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    header = (
        f"{'model':<20} {'path':<9} {'prompt':>6} {'pp tok/s':>8} {'TTFT cold':>9} {'same':>6} "
        f"{'other':>6} {'gen tok/s':>9} {'load s':>6} {'RSS load':>8} {'RSS end':>8} {'anon':>6} {'HWM':>6}"
    )
    print(header)
    for model, data in chat["models"].items():
        for path, s in data["summary"].items():
            print(
                f"{model:<20} {path:<9} {fmt(s['prompt_tokens'], 0):>6} "
                f"{fmt(s['cold']['prompt_tok_s'], 1):>8} "
                f"{fmt(s['cold']['ttft_s']):>9} {fmt(s['warm_same']['ttft_s']):>6} "
                f"{fmt(s['warm_other']['ttft_s']):>6} {fmt(s['cold']['gen_tok_s'], 1):>9} "
                f"{fmt(s['load_s']):>6} {fmt(s['memory_after_load']['VmRSS'], 0):>8} "
                f"{fmt(s['memory_end']['VmRSS'], 0):>8} {fmt(s['memory_end']['RssAnon'], 0):>6} "
                f"{fmt(s['memory_end']['VmHWM'], 0):>6}"
            )


# ----------------------------------------------------------------------------- embedder


def run_embedder(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    from embedder_throughput import _embedder_rate, _raw_rate

    from askwell.embeddings import local_onnx
    from askwell.embeddings.catalogue import MODELS

    spec = MODELS["all-minilm-l6-v2"]
    tokenizer_json = local_onnx._read_verified(spec.tokenizer).decode("utf-8")
    texts = corpus_text.token_chunks(args.corpus, tokenizer_json, args.chunks, tokens=spec.max_tokens)
    cores = local_onnx._available_cores()
    rows: list[dict[str, Any]] = []

    def row(path: str, batch: int, rate: float, per_cpu: float, **extra: Any) -> None:
        rows.append(
            {"path": path, "batch_size": batch, "chunks_per_s": round(rate, 2)}
            | {"per_cpu_s": round(per_cpu, 2)}
            | extra
        )
        print(f"  {path:<38} batch {batch:>3}: {rate:8.2f} chunks/s", flush=True)

    # (a) askwell, default settings first (batch 8, threads 0 = one per available core)
    for batch in args.askwell_batches:
        rate, per_cpu = asyncio.run(_embedder_rate(texts, batch, 0, args.repeats))
        row("askwell LocalOnnxEmbedder.embed", batch, rate, per_cpu)
    # (c) the limit: session.run alone on one fixed pre-tokenised batch of 256-token rows
    for spinning in (False, True):
        for batch in args.limit_batches:
            rate, per_cpu = _raw_rate(texts, batch, 0, max(args.repeats, 5), spinning)
            row(f"raw onnxruntime, spinning {'on' if spinning else 'off'}", batch, rate, per_cpu)
    # (b) the peer, in its own venv
    peer: dict[str, Any] = {"skipped": True}
    cosine = None
    if not args.skip_peer:
        peer, cosine = _run_peer(texts, args, env)
        for peer_row in peer.get("rows", []):
            row(
                "sentence-transformers fp32 (torch)",
                peer_row["batch_size"],
                peer_row["chunks_per_s"],
                peer_row["per_cpu_s"],
            )

    default = next(
        r for r in rows if r["path"].startswith("askwell") and r["batch_size"] == args.askwell_batches[0]
    )
    raw = [r for r in rows if r["path"].startswith("raw")]
    limit = max(raw, key=lambda r: r["chunks_per_s"])
    same_options = max(
        (r for r in raw if "spinning off" in r["path"]), key=lambda r: r["chunks_per_s"], default=limit
    )
    verdict = {
        "askwell_chunks_per_s": default["chunks_per_s"],
        "limit_chunks_per_s": limit["chunks_per_s"],
        "limit_config": f"{limit['path']}, batch {limit['batch_size']}",
        "askwell_pct_of_limit": round(100 * default["chunks_per_s"] / limit["chunks_per_s"], 1),
        "askwell_pct_of_limit_spinning_off": round(
            100 * default["chunks_per_s"] / same_options["chunks_per_s"], 1
        ),
        "target_pct": 90,
    }
    verdict["target_met"] = verdict["askwell_pct_of_limit"] >= 90
    peer_rows = peer.get("rows", [])
    if peer_rows:
        best_peer = max(peer_rows, key=lambda r: r["chunks_per_s"])
        verdict["peer_best_chunks_per_s"] = best_peer["chunks_per_s"]
        verdict["askwell_vs_peer_x"] = round(default["chunks_per_s"] / best_peer["chunks_per_s"], 2)
    return {
        "chunks": len(texts),
        "tokens_per_chunk": spec.max_tokens,
        "cores": cores,
        "onnxruntime": __import__("onnxruntime").__version__,
        "rows": rows,
        "peer": peer,
        "cosine_int8_vs_fp32": cosine,
        "verdict": verdict,
    }


def _run_peer(
    texts: list[str], args: argparse.Namespace, env: dict[str, str]
) -> tuple[dict[str, Any], dict[str, float] | None]:
    if not Path(args.peer_python).is_file():
        print(f"  peer skipped: no {args.peer_python} (see bench/local_models_peer.py)")
        return {"skipped": True, "reason": f"no {args.peer_python}"}, None
    from askwell.embeddings import local_onnx

    with tempfile.TemporaryDirectory(prefix="askwell-peer-") as tmp:
        chunks, out, vectors = Path(tmp, "chunks.json"), Path(tmp, "out.json"), Path(tmp, "vectors.npy")
        chunks.write_text(json.dumps(texts))
        command = [
            args.peer_python,
            str(BENCH / "local_models_peer.py"),
            str(chunks),
            str(out),
            "--batch-sizes",
            *map(str, args.peer_batches),
            "--repeats",
            str(args.repeats),
            "--threads",
            str(local_onnx._available_cores()),
            "--vectors",
            str(vectors),
        ]
        peer_env = {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
        peer_env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.worker_timeout, env=peer_env, check=False
        )
        if done.returncode != 0:
            raise SystemExit(f"peer failed:\n{done.stderr[-3000:]}")
        peer: dict[str, Any] = json.loads(out.read_text())
        theirs = np.load(vectors)

    from askwell.settings import Settings

    async def ours() -> np.ndarray:
        embedder = local_onnx.create("all-minilm-l6-v2", Settings())
        try:
            return await embedder.embed(texts[: len(theirs)])
        finally:
            await embedder.aclose()

    cosines = np.sum(asyncio.run(ours()) * theirs, axis=1)
    cosine = {"n": len(cosines), "mean": round(float(cosines.mean()), 4)}
    cosine["min"] = round(float(cosines.min()), 4)
    return peer, cosine


def print_embedder(embedder: dict[str, Any]) -> None:
    print(f"{embedder['chunks']} chunks of {embedder['tokens_per_chunk']} tokens, {embedder['cores']} cores")
    print(f"{'path':<38} {'batch':>5} {'chunks/s':>9} {'per CPU-s':>9}")
    for r in embedder["rows"]:
        print(f"{r['path']:<38} {r['batch_size']:>5} {r['chunks_per_s']:>9.2f} {r['per_cpu_s']:>9.2f}")
    v = embedder["verdict"]
    print(
        f"askwell (batch {embedder['rows'][0]['batch_size']}) = {v['askwell_pct_of_limit']} % of the limit "
        f"({v['limit_config']}); {v['askwell_pct_of_limit_spinning_off']} % of the best spinning-off run; "
        f"target >= 90 %: {'met' if v['target_met'] else 'MISSED'}"
    )
    if embedder["cosine_int8_vs_fp32"]:
        c = embedder["cosine_int8_vs_fp32"]
        print(f"cosine askwell int8 vs peer fp32 over {c['n']} chunks: mean {c['mean']}, min {c['min']}")


# ----------------------------------------------------------------------------- main


class CpuWatch:
    """CPU used by other processes while a part runs: the host's busy time (/proc/stat) minus this
    process's and its children's, as a percentage of one CPU."""

    def __enter__(self) -> CpuWatch:
        self._start = (self._host_busy_s(), self._own_s(), time.perf_counter())
        return self

    def __exit__(self, *exc: object) -> None:
        host, own, wall = self._host_busy_s(), self._own_s(), time.perf_counter()
        elapsed = wall - self._start[2]
        self.own_pct = round(100 * (own - self._start[1]) / elapsed, 1)
        self.others_pct = round(100 * ((host - self._start[0]) - (own - self._start[1])) / elapsed, 1)

    @staticmethod
    def _host_busy_s() -> float:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_s() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def as_dict(self) -> dict[str, float]:
        return {"own_cpu_pct": self.own_pct, "other_processes_cpu_pct": self.others_pct}


def _machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        ).split()[1]
    )
    import llama_cpp

    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "llama_cpp_python": llama_cpp.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", help="catalogue names (default: every installed one)")
    parser.add_argument("--reps", type=int, default=3, help="chat: fresh processes per model and path")
    parser.add_argument("--gen-tokens", type=int, default=96, help="chat: max_tokens of each call")
    parser.add_argument("--chunks", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3, help="embedder: timed runs, best kept")
    parser.add_argument("--askwell-batches", type=int, nargs="+", default=[8, 32], help="first = reported")
    parser.add_argument("--limit-batches", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--peer-batches", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--peer-python", default="/tmp/refvenv/bin/python")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-chat", action="store_true")
    parser.add_argument("--skip-embedder", action="store_true")
    parser.add_argument("--corpus", type=Path, default=corpus_text.DEFAULT_CORPUS)
    parser.add_argument("--worker-timeout", type=float, default=300)
    parser.add_argument("--worker-chat", nargs=2, metavar=("MODEL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker_chat:
        model, path = args.worker_chat
        print(json.dumps(_chat_worker(model, path, args.gen_tokens, args.corpus)))
        return

    args.corpus = corpus_text.ensure_corpus(args.corpus)
    env = dict(os.environ)
    env.setdefault("ASKWELL_DATA_DIR", str(REPO / "data"))
    os.environ.setdefault("ASKWELL_DATA_DIR", env["ASKWELL_DATA_DIR"])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, Any] = {
        "started": stamp,
        "command": " ".join(sys.argv),
        "machine": _machine(),
        "loadavg_start": os.getloadavg(),
    }
    started = time.perf_counter()
    if not args.skip_chat:
        print("chat models:", flush=True)
        with CpuWatch() as watch:
            report["chat"] = run_chat(args, env)
        report["chat"]["cpu"] = watch.as_dict()
        report["loadavg_after_chat"] = os.getloadavg()
    if not args.skip_embedder:
        print("embedder:", flush=True)
        with CpuWatch() as watch:
            report["embedder"] = run_embedder(args, env)
        report["embedder"]["cpu"] = watch.as_dict()
    report["loadavg_end"] = os.getloadavg()
    report["wall_s"] = round(time.perf_counter() - started, 1)

    print()
    print(f"load average at start / end: {report['loadavg_start']} / {report['loadavg_end']}")
    for part, show in (("chat", print_chat), ("embedder", print_embedder)):
        if part in report:
            cpu = report[part]["cpu"]
            print(
                f"{part}: this benchmark {cpu['own_cpu_pct']} %, other processes "
                f"{cpu['other_processes_cpu_pct']} % of one CPU"
            )
            show(report[part])
    out = BENCH / "out" / f"local_models-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
