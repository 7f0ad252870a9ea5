"""Token counting for chunk sizes: the default embedder's tokenizer (bundled, fast, Rust).

Chunk sizes are set in these tokens whatever the embedder: a chunk sized for MiniLM's
WordPiece is also a sensible size for other embedders.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def token_counter() -> Callable[[str], int]:
    from tokenizers import Tokenizer

    data = resources.files("askwell.embeddings").joinpath("data/all-minilm-l6-v2/tokenizer.json").read_text()
    tokenizer = Tokenizer.from_str(data)
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count
