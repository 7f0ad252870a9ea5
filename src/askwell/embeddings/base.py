"""The embedder protocol, and the signature an index stores to notice a change of embedder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from askwell.errors import Conflict

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so a dot product is the cosine similarity.

    Implementations never block the event loop, keep the order of their input, and return an
    array of shape ``(len(texts), dimension)`` (``(0, dimension)`` for no texts).
    """

    name: str
    """The "provider:model" name the embedder was built from; stored with every index."""

    @property
    def dimension(self) -> int:
        """Length of each vector (known after :meth:`load` for remote models not in the catalogue)."""
        ...

    async def load(self) -> None:
        """Get ready to embed (load weights, learn the dimension); idempotent, safe to call at startup."""
        ...

    async def embed(self, texts: list[str]) -> Vectors:
        """Embed documents (chunks); the result's row ``i`` is ``texts[i]``."""
        ...

    async def embed_query(self, text: str) -> Vectors:
        """Embed a search query, shape ``(dimension,)``; differs from :meth:`embed` only for models
        trained with a query prefix (all-MiniLM-L6-v2 is not)."""
        ...

    async def aclose(self) -> None:
        """Release threads and connections."""
        ...


def normalize(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to unit L2 norm, as float32; an all-zero row stays zero rather than becoming NaN."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


@dataclass(frozen=True, slots=True)
class EmbeddingSpec:
    """What an index records about the embedder that filled it."""

    name: str
    dimension: int

    @classmethod
    def of(cls, embedder: Embedder) -> EmbeddingSpec:
        return cls(name=embedder.name, dimension=embedder.dimension)


def check_compatible(stored_name: str, stored_dim: int, embedder: Embedder) -> None:
    """Raise Conflict when an index built by one embedder is about to be used with another.

    Vectors from different models (or of different sizes) live in unrelated spaces: mixing them
    gives meaningless search results instead of an error, so the mismatch is stopped here.
    """
    current = EmbeddingSpec.of(embedder)
    if (stored_name, stored_dim) == (current.name, current.dimension):
        return
    raise Conflict(
        f"This index was built with the embedder {stored_name!r} ({stored_dim} dimensions) but the "
        f"configured one is {current.name!r} ({current.dimension} dimensions). Re-index the documents "
        f"with the new embedder, or set ASKWELL_EMBEDDING_MODEL={stored_name} to keep using the old one.",
        code="embedder_changed",
    )
