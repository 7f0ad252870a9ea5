"""File stores by name (ASKWELL_FILE_STORE), imported on first use so that an optional
back-end's library (boto3 for s3) is needed only where it is chosen."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from askwell.errors import Invalid
from askwell.files.base import FileStore
from askwell.settings import Settings

# name -> "module:factory"; a factory takes the settings and returns a FileStore.
FILE_STORES: dict[str, str] = {
    "local": "askwell.files.local:create",
    "database": "askwell.files.database:create",
    "s3": "askwell.files.s3:create",
}


def create_file_store(settings: Settings, name: str | None = None) -> FileStore:
    """The store called `name`, by default ASKWELL_FILE_STORE; Invalid naming the known ones."""
    name = name or settings.file_store
    target = FILE_STORES.get(name)
    if target is None:
        raise Invalid(
            f"Unknown file store {name!r} (ASKWELL_FILE_STORE); known: {', '.join(FILE_STORES)}",
            code="invalid_settings",
        )
    module, _, attr = target.partition(":")
    factory: Callable[[Settings], FileStore] = getattr(importlib.import_module(module), attr)
    return factory(settings)
