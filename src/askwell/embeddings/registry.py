"""Embedders by "provider:model" name."""

from __future__ import annotations

from askwell.embeddings.base import Embedder
from askwell.providers import ProviderRegistry, split_name
from askwell.settings import Settings

# provider -> "module:factory"; a factory takes (model_name, settings) and returns an Embedder.
_PROVIDERS: dict[str, str] = {
    "local": "askwell.embeddings.local_onnx:create",
    "openai": "askwell.embeddings.openai_compat:create",
}
_NAMING = {"kind": "embedding", "example": "local:all-minilm-l6-v2", "code": "invalid_embedder"}


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def check_embedder_name(name: str) -> tuple[str, str]:
    """Split "provider:model" and check the provider exists; raise Invalid otherwise."""
    return split_name(name, _PROVIDERS, **_NAMING)


class EmbedderRegistry(ProviderRegistry[Embedder]):
    """Builds each named embedder once (weights load on first use or on `await embedder.load()`)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, _PROVIDERS, **_NAMING)
        self._default = settings.embedding_model

    def get(self, name: str | None = None) -> Embedder:
        """The embedder called `name`, by default the configured ASKWELL_EMBEDDING_MODEL."""
        return super().get(name or self._default)

    async def aclose(self) -> None:
        for embedder in self.forget_all():
            await embedder.aclose()
