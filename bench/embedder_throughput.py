"""Local embedder throughput: chunks/s for full 256-token chunks, by batch size, and the raw limit.

    python bench/embedder_throughput.py [--chunks 128] [--batch-sizes 1 4 8 16 32 64] [--threads 0]

"embedder" rows go through LocalOnnxEmbedder.embed (tokenise, sort, pad, run, pool, normalise,
thread hop per batch); "raw onnxruntime" rows time session.run alone on one pre-tokenised batch,
the ceiling for this model on this machine. "per CPU-s" divides by the process's CPU time, which
is steadier than wall time on a busy machine. Prints a table and writes
bench/out/embedder_throughput_<words>w.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import time
from pathlib import Path

import numpy as np

from askwell.embeddings import local_onnx
from askwell.embeddings.catalogue import MODELS
from askwell.settings import Settings

_WORDS = str.split(
    "invoice customer retention policy archive storage quarterly revenue database index query "
    "password account email network latency throughput deploy cluster replica backup restore audit "
    "contract clause liability payment schedule shipment warehouse inventory forecast budget"
)


def _chunks(n: int, words: int, seed: int = 7) -> list[str]:
    """n distinct texts of about `words` word pieces (the default, 300, is cut to exactly 256)."""
    rng = random.Random(seed)
    return [f"chunk {i} " + " ".join(rng.choice(_WORDS) for _ in range(words)) for i in range(n)]


async def _embedder_rate(
    texts: list[str], batch_size: int, threads: int, repeats: int
) -> tuple[float, float]:
    embedder = local_onnx.create(
        "all-minilm-l6-v2", Settings(embedding_batch_size=batch_size, embedding_threads=threads)
    )
    try:
        await embedder.load()
        await embedder.embed(texts[:batch_size])  # warm-up
        best, cpu = float("inf"), float("inf")
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            await embedder.embed(texts)
            best = min(best, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - cpu_started)
        return len(texts) / best, len(texts) / cpu
    finally:
        await embedder.aclose()


def _raw_rate(
    texts: list[str], batch_size: int, threads: int, repeats: int, spinning: bool
) -> tuple[float, float]:
    import onnxruntime as ort

    model = MODELS["all-minilm-l6-v2"]
    runtime = local_onnx._Runtime.load(model, threads=threads or local_onnx._available_cores())
    token_ids = runtime.tokenize(texts[:batch_size])
    shortest = min(len(ids) for ids in token_ids)
    ids = np.array([ids[:shortest] for ids in token_ids], dtype=np.int64)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or local_onnx._available_cores()
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    session = ort.InferenceSession(
        local_onnx._read_verified(model.onnx), options, providers=["CPUExecutionProvider"]
    )
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    session.run(None, feed)
    best, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        session.run(None, feed)
        best = min(best, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - cpu_started)
    return batch_size / best, batch_size / cpu


def _row(path: str, batch_size: int, rate: float, per_cpu_s: float) -> dict[str, object]:
    return {
        "path": path,
        "batch_size": batch_size,
        "chunks_per_s": round(rate, 2),
        "per_cpu_s": round(per_cpu_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=128)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 8, 16, 32, 64])
    parser.add_argument("--threads", type=int, default=0, help="0 = one per available core")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--words", type=int, default=300, help="chunk length; 300 fills 256 tokens")
    args = parser.parse_args()

    texts = _chunks(args.chunks, args.words)
    rows: list[dict[str, object]] = []
    for batch_size in args.batch_sizes:
        rate, per_cpu_s = asyncio.run(_embedder_rate(texts, batch_size, args.threads, args.repeats))
        rows.append(_row("embedder", batch_size, rate, per_cpu_s))
    for spinning in (False, True):  # the embedder runs with spinning off
        for batch_size in args.batch_sizes if not spinning else args.batch_sizes[-2:]:
            rate, per_cpu_s = _raw_rate(texts, batch_size, args.threads, args.repeats, spinning)
            label = f"raw onnxruntime, spinning {'on' if spinning else 'off'}"
            rows.append(_row(label, batch_size, rate, per_cpu_s))

    print(f"{args.chunks} chunks of {args.words} words, threads={args.threads or 'one per core'}")
    print(f"{'path':<34} {'batch':>5} {'chunks/s':>9} {'per CPU-s':>9}")
    for row in rows:
        print(f"{row['path']:<34} {row['batch_size']:>5} {row['chunks_per_s']:>9} {row['per_cpu_s']:>9}")
    out = Path(__file__).parent / "out" / f"embedder_throughput_{args.words}w.json"
    out.parent.mkdir(exist_ok=True)
    meta: dict[str, object] = {
        "words": args.words,
        "threads": args.threads,
        "cores": local_onnx._available_cores(),
        "cpu_count": os.cpu_count(),
        "machine": platform.processor(),
        "onnxruntime": __import__("onnxruntime").__version__,
    }
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
