"""Embeddings from any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp's server)."""

from __future__ import annotations

from typing import Any

import numpy as np

from askwell.embeddings.base import Vectors, normalize
from askwell.errors import ModelError
from askwell.openai_client import make_client, model_error
from askwell.settings import Settings

# Models whose size is known without asking the server; any other model's is learned from its
# first answer (`await embedder.load()`).
_KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    def __init__(self, model: str, client: Any, *, batch_size: int) -> None:
        self.name = f"openai:{model}"
        self._model = model
        self._client = client
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
        await self._client.close()

    async def _request(self, batch: list[str]) -> Vectors:
        import openai

        try:
            # "float" explicitly: the SDK would ask for base64, which some local servers lack.
            response = await self._client.embeddings.create(
                model=self._model, input=batch, encoding_format="float"
            )
        except openai.BadRequestError as exc:
            raise ModelError(
                f"The embedding server rejected the request for {self.name} (is it an embedding model?): "
                f"{exc.message[:200]}"
            ) from exc
        except openai.APIError as exc:
            raise model_error(exc, server="embedding", name=self.name, model=self._model) from exc
        return self._to_vectors(response.data, expected=len(batch))

    def _to_vectors(self, data: list[Any], *, expected: int) -> Vectors:
        # The API tags each vector with its input's index; don't rely on the list order.
        rows = [item.embedding for item in sorted(data, key=lambda item: item.index)]
        if len(rows) != expected or len({len(row) for row in rows}) != 1:
            raise ModelError(
                f"The embedding server returned {len(rows)} vectors of uneven or wrong shape for "
                f"{expected} texts ({self.name})"
            )
        size = len(rows[0])
        if self._dimension is None:
            self._dimension = size
        elif size != self._dimension:
            raise ModelError(f"{self.name} returned {size}-dimensional vectors, expected {self._dimension}")
        return normalize(rows)


def create(model: str, settings: Settings) -> OpenAIEmbedder:
    return OpenAIEmbedder(model, make_client(settings), batch_size=settings.openai_embedding_batch_size)
