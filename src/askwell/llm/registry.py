"""Chat models by "provider:model" name, imported lazily so optional extras stay optional."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from askwell.errors import Invalid
from askwell.llm.base import ChatModel
from askwell.settings import Settings

# provider -> "module:factory"; a factory takes (model_name, settings) and returns a ChatModel.
_PROVIDERS: dict[str, str] = {
    "scripted": "askwell.llm.scripted:create",
    "openai": "askwell.llm.openai_compat:create",
    "local": "askwell.llm.local_llama:create",
    "gguf": "askwell.llm.local_llama:create_from_file",
}


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def check_model_name(name: str) -> tuple[str, str]:
    """Split "provider:model" and check the provider exists; raise Invalid otherwise."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise Invalid(
            f'Model {name!r} must be written "provider:model", e.g. "openai:gpt-4o-mini"',
            code="invalid_model",
        )
    if provider not in _PROVIDERS:
        raise Invalid(
            f"Unknown model provider {provider!r}; known: {', '.join(providers())}", code="invalid_model"
        )
    return provider, model


class ModelRegistry:
    """Builds each named model once and shares it across requests."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._models: dict[str, ChatModel] = {}

    def get(self, name: str) -> ChatModel:
        if name not in self._models:
            provider, model = check_model_name(name)
            self._models[name] = self._factory(provider)(model, self._settings)
        return self._models[name]

    @staticmethod
    def _factory(provider: str) -> Callable[[str, Settings], ChatModel]:
        module_name, _, attr = _PROVIDERS[provider].partition(":")
        factory: Callable[[str, Settings], ChatModel] = getattr(importlib.import_module(module_name), attr)
        return factory
