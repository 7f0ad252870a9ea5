"""Back-ends chosen by "provider:model" names, imported lazily so optional extras stay optional.

Used for chat models (llm/registry.py) and embedders (embeddings/registry.py): each maps a
provider to "module:factory", where a factory takes (model name, settings).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from askwell.errors import Invalid
from askwell.settings import Settings

T = TypeVar("T")


def split_name(
    name: str, providers: Mapping[str, str], *, kind: str, example: str, code: str
) -> tuple[str, str]:
    """(provider, model) of a "provider:model" name; Invalid when malformed or unknown."""
    provider, sep, model = name.partition(":")
    if not sep or not model:
        raise Invalid(
            f'{kind.capitalize()} {name!r} must be written "provider:model", e.g. "{example}"', code=code
        )
    if provider not in providers:
        raise Invalid(
            f"Unknown {kind} provider {provider!r}; known: {', '.join(sorted(providers))}", code=code
        )
    return provider, model


class ProviderRegistry(Generic[T]):
    """Builds each named back-end once and shares it."""

    def __init__(
        self, settings: Settings, providers: Mapping[str, str], *, kind: str, example: str, code: str
    ) -> None:
        self._settings = settings
        self._providers = providers
        self._kind, self._example, self._code = kind, example, code
        self._built: dict[str, T] = {}

    def get(self, name: str) -> T:
        if name not in self._built:
            provider, model = split_name(
                name, self._providers, kind=self._kind, example=self._example, code=self._code
            )
            self._built[name] = self._factory(provider)(model, self._settings)
        return self._built[name]

    def built(self) -> list[T]:
        return list(self._built.values())

    def forget_all(self) -> list[T]:
        built, self._built = list(self._built.values()), {}
        return built

    def _factory(self, provider: str) -> Callable[[str, Settings], T]:
        module_name, _, attr = self._providers[provider].partition(":")
        factory: Callable[[str, Settings], T] = getattr(importlib.import_module(module_name), attr)
        return factory
