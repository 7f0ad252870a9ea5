"""Embeddings from any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp's server).

The server is ASKWELL_OPENAI_EMBEDDING_BASE_URL when set (llama.cpp's server runs one model
per process, so its embedder is usually a server of its own), else ASKWELL_OPENAI_BASE_URL.
Each batch holds one of the process's request slots for that server (openai_client.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from askwell.embeddings.base import Vectors, normalize
from askwell.errors import ModelError
from askwell.openai_client import ModelServer, connect
from askwell.settings import Settings

# Models whose size is known without asking the server; any other model's is learned from its
# first answer (`await embedder.load()`).
_KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    def __init__(self, model: str, server: ModelServer, *, batch_size: int) -> None:
        self.name = f"openai:{model}"
        self._model = model
        self._server = server
        self._batch_size = batch_size
        self._dimension: int | None = _KNOWN_DIMENSIONS.get(model)

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            raise RuntimeError(f"The dimension of {self.name} is learned from the server: await load() first")
        return self._dimension

    async def load(self) -> None:
        if self._dimension is None:
            await self._request(["dimension probe"])

    async def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            await self.load()
            return np.empty((0, self.dimension), dtype=np.float32)
        parts = [
            await self._request(texts[start : start + self._batch_size])
            for start in range(0, len(texts), self._batch_size)
        ]
        return np.concatenate(parts)

    async def embed_query(self, text: str) -> Vectors:
        vectors = await self.embed([text])
        return vectors[0]

    async def aclose(self) -> None:
        await self._server.client.close()

    async def _request(self, batch: list[str]) -> Vectors:
        import openai

        try:
            async with self._server.slot(self.name):
                response = await self._server.call(
                    # "float" explicitly: the SDK would ask for base64, which some local servers lack.
                    lambda: self._server.client.embeddings.create(
                        model=self._model, input=batch, encoding_format="float"
                    )
                )
        except openai.BadRequestError as exc:
            raise ModelError(
                f"The embedding server rejected the request for {self.name} (is it an embedding model?): "
                f"{self._server.redact(exc.message)}"
            ) from exc
        except openai.APIError as exc:
            raise self._server.error(exc, name=self.name, model=self._model) from exc
        except ValueError as exc:  # a body that is not JSON
            raise self._server.garbage(self.name) from exc
        return self._to_vectors(getattr(response, "data", None), expected=len(batch))

    def _to_vectors(self, data: Any, *, expected: int) -> Vectors:
        if not isinstance(data, list) or not all(isinstance(getattr(i, "index", None), int) for i in data):
            raise self._server.garbage(self.name, "something other than a list of embeddings")
        # The API tags each vector with its input's index; don't rely on the list order.
        rows = [getattr(item, "embedding", None) for item in sorted(data, key=lambda item: item.index)]
        if rows and isinstance(rows[0], list) and rows[0] and isinstance(rows[0][0], list):
            raise ModelError(
                f"The embedding server returned a vector per token for {self.name}, not one per text: "
                "serve an embedding model, or make the server pool them (llama.cpp: "
                "--kv_overrides <arch>.pooling_type=int:1 for mean pooling)"
            )
        bad_shape = ModelError(
            f"The embedding server returned {len(rows)} vectors of uneven or wrong shape for "
            f"{expected} texts ({self.name})"
        )
        if len(rows) != expected or not all(isinstance(row, list) and row for row in rows):
            raise bad_shape
        try:
            array = np.asarray(rows, dtype=np.float32)
        except (ValueError, TypeError) as exc:  # ragged rows, or values that are not numbers
            raise bad_shape from exc
        if array.ndim != 2:
            raise self._server.garbage(self.name, "vectors that are not flat lists of numbers")
        if not np.isfinite(array).all():
            raise ModelError(f"The embedding server returned NaN or infinite values for {self.name}")
        size = array.shape[1]
        if self._dimension is None:
            self._dimension = size
        elif size != self._dimension:
            raise ModelError(f"{self.name} returned {size}-dimensional vectors, expected {self._dimension}")
        return normalize(array)


def create(model: str, settings: Settings) -> OpenAIEmbedder:
    return OpenAIEmbedder(
        model, connect(settings, kind="embedding"), batch_size=settings.openai_embedding_batch_size
    )
