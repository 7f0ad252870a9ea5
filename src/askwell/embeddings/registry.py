"""Embedders by "provider:model" name, imported lazily so optional extras stay optional."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from askwell.embeddings.base import Embedder
from askwell.errors import Invalid
from askwell.settings import Settings

# provider -> "module:factory"; a factory takes (model_name, settings) and returns an Embedder.
_PROVIDERS: dict[str, str] = {
    "local": "askwell.embeddings.local_onnx:create",
    "openai": "askwell.embeddings.openai_compat:create",
}


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def check_embedder_name(name: str) -> tuple[str, str]:
    """Split "provider:model" and check the provider exists; raise Invalid otherwise."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise Invalid(
            f'Embedder {name!r} must be written "provider:model", e.g. "local:all-minilm-l6-v2"',
            code="invalid_embedder",
        )
    if provider not in _PROVIDERS:
        raise Invalid(
            f"Unknown embedding provider {provider!r}; known: {', '.join(providers())}",
            code="invalid_embedder",
        )
    return provider, model


class EmbedderRegistry:
    """Builds each named embedder once (a local model loads its weights once) and shares it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._embedders: dict[str, Embedder] = {}

    def get(self, name: str | None = None) -> Embedder:
        """The embedder called `name`, by default the configured ASKWELL_EMBEDDING_MODEL.

        Cheap: weights load on first use or on ``await embedder.load()``.
        """
        name = name or self._settings.embedding_model
        if name not in self._embedders:
            provider, model = check_embedder_name(name)
            self._embedders[name] = self._factory(provider)(model, self._settings)
        return self._embedders[name]

    async def aclose(self) -> None:
        embedders, self._embedders = list(self._embedders.values()), {}
        for embedder in embedders:
            await embedder.aclose()

    @staticmethod
    def _factory(provider: str) -> Callable[[str, Settings], Embedder]:
        module_name, _, attr = _PROVIDERS[provider].partition(":")
        factory: Callable[[str, Settings], Embedder] = getattr(importlib.import_module(module_name), attr)
        return factory
