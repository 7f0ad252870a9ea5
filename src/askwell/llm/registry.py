"""Chat models by "provider:model" name."""

from __future__ import annotations

from askwell.llm.base import ChatModel
from askwell.providers import ProviderRegistry, split_name
from askwell.settings import Settings

# provider -> "module:factory"; a factory takes (model_name, settings) and returns a ChatModel.
_PROVIDERS: dict[str, str] = {
    "scripted": "askwell.llm.scripted:create",
    "function": "askwell.llm.function:create",
    "openai": "askwell.llm.openai_compat:create",
    "local": "askwell.llm.local_llama:create",
    "gguf": "askwell.llm.local_llama:create_from_file",
}
_NAMING = {"kind": "model", "example": "openai:gpt-4o-mini", "code": "invalid_model"}


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def check_model_name(name: str) -> tuple[str, str]:
    """Split "provider:model" and check the provider exists; raise Invalid otherwise."""
    return split_name(name, _PROVIDERS, **_NAMING)


class ModelRegistry(ProviderRegistry[ChatModel]):
    """Builds each named model once (a local model loads its weights once) and shares it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, _PROVIDERS, **_NAMING)
