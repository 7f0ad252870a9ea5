"""Rerankers by "provider:model" name."""

from __future__ import annotations

from askwell.providers import ProviderRegistry, split_name
from askwell.rerankers.base import Reranker
from askwell.settings import Settings

# provider -> "module:factory"; a factory takes (model_name, settings) and returns a Reranker.
# No "local" provider: no package on the registry ships a cross-encoder's weights (README, Reranking).
_PROVIDERS: dict[str, str] = {
    "http": "askwell.rerankers.rerank_api:create",
}
_NAMING = {"kind": "reranker", "example": "http:bge-reranker-v2-m3", "code": "invalid_reranker"}


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def check_reranker_name(name: str) -> tuple[str, str]:
    """Split "provider:model" and check the provider exists; raise Invalid otherwise."""
    return split_name(name, _PROVIDERS, **_NAMING)


class RerankerRegistry(ProviderRegistry[Reranker]):
    """Builds each named reranker once; its connections are opened on first use."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, _PROVIDERS, **_NAMING)

    async def aclose(self) -> None:
        for reranker in self.forget_all():
            await reranker.aclose()
