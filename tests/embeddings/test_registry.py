from __future__ import annotations

import numpy as np
import pytest

from askwell.embeddings.base import EmbeddingSpec, check_compatible, normalize
from askwell.embeddings.registry import EmbedderRegistry, check_embedder_name
from askwell.errors import Conflict, Invalid
from askwell.settings import Settings


@pytest.mark.parametrize("name", ["nope:model", "all-minilm-l6-v2", "local:", ":x"])
def test_bad_names_are_invalid(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_embedder_name(name)
    assert caught.value.code == "invalid_embedder"


async def test_registry_builds_the_configured_embedder_once() -> None:
    registry = EmbedderRegistry(Settings(embedding_model="local:all-minilm-l6-v2"))
    try:
        embedder = registry.get()
        assert embedder is registry.get("local:all-minilm-l6-v2")
        assert (embedder.name, embedder.dimension) == ("local:all-minilm-l6-v2", 384)
        with pytest.raises(Invalid, match="Unknown embedding provider 'nope'"):
            registry.get("nope:x")
    finally:
        await registry.aclose()


async def test_registry_builds_openai_without_contacting_a_server() -> None:
    registry = EmbedderRegistry(Settings(openai_base_url="http://127.0.0.1:9/v1"))
    try:
        embedder = registry.get("openai:text-embedding-3-small")
        assert (embedder.name, embedder.dimension) == ("openai:text-embedding-3-small", 1536)
    finally:
        await registry.aclose()


class _Fixed:
    def __init__(self, name: str, dimension: int) -> None:
        self.name = name
        self.dimension = dimension


def test_check_compatible_accepts_the_same_embedder() -> None:
    embedder = _Fixed("local:all-minilm-l6-v2", 384)
    check_compatible("local:all-minilm-l6-v2", 384, embedder)  # type: ignore[arg-type]
    assert EmbeddingSpec.of(embedder) == EmbeddingSpec("local:all-minilm-l6-v2", 384)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("stored_name", "stored_dim"), [("openai:text-embedding-3-small", 1536), ("local:all-minilm-l6-v2", 768)]
)
def test_check_compatible_refuses_another_embedder(stored_name: str, stored_dim: int) -> None:
    with pytest.raises(Conflict) as caught:
        check_compatible(stored_name, stored_dim, _Fixed("local:all-minilm-l6-v2", 384))  # type: ignore[arg-type]
    assert caught.value.code == "embedder_changed"
    assert "Re-index" in caught.value.message
    assert f"ASKWELL_EMBEDDING_MODEL={stored_name}" in caught.value.message


def test_normalize_keeps_zero_rows_finite() -> None:
    vectors = normalize([[3.0, 4.0], [0.0, 0.0]])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 0.0]])
