"""Knowledge kinds: what a connector can be (uploaded documents, a SQL database, ...).

A kind validates and seals its connector's config, plans its part of a chat turn, adds
stages to the turn, cleans up after a connector is deleted, may bring admin endpoints of
its own, and names the background tasks its jobs run. Callers (connectors, the chat flow,
the app, the CLI) ask the registry and never switch on a type string; a new kind is one
module and one line in KINDS.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.assistants.models import Assistant
from askwell.connectors.models import Connector
from askwell.connectors.secrets import CredentialBox
from askwell.embeddings.base import Embedder
from askwell.errors import Invalid
from askwell.files.base import FileStore
from askwell.jobs.base import Task
from askwell.jobs.queue import JobQueue
from askwell.settings import Settings
from askwell.turn.state import Phase, Stage

if TYPE_CHECKING:
    from fastapi import APIRouter

logger = logging.getLogger(__name__)

# kind name (the connector's `type`) -> "module:class". Plugins and tests add lines here.
KINDS: dict[str, str] = {
    "documents": "askwell.documents.kind:DocumentsKind",
    "sql": "askwell.sql.kind:SqlKind",
}

AfterCommit = Callable[[], Awaitable[None]]
Check = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class KindServices:
    """What the runtime offers every kind when it is built."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    embedder: Embedder
    credentials: CredentialBox
    jobs: JobQueue
    files: FileStore  # where uploaded files' bytes live (ASKWELL_FILE_STORE)


@dataclass(frozen=True)
class SealedConfig:
    """A connector's config as stored: readable settings, and credentials sealed apart."""

    config: dict[str, Any]
    secret: str | None = None


class KnowledgeKind(Protocol):
    name: ClassVar[str]  # the connector type, e.g. "documents"
    title: ClassVar[str]  # the default connector name, e.g. "Documents"
    router: ClassVar[APIRouter | None]  # the kind's admin endpoints (upload, test, ...), if any

    def seal_config(self, raw: dict[str, Any], *, previous: Connector | None) -> SealedConfig:
        """Validate `raw` (a new connector's config, or an update's changes) and seal secrets."""
        ...

    async def plan(
        self, *, session: AsyncSession, assistant: Assistant, connectors: Sequence[Connector]
    ) -> object | None:
        """This kind's part of a turn's plan, from the assistant's connectors of this kind."""
        ...

    def stages(self) -> Mapping[Phase, Sequence[Stage]]:
        """The stages this kind adds to a turn, by phase."""
        ...

    async def on_saved(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        """Called after a connector is created or changed, in its transaction (jobs to enqueue);
        what to do once that is committed (send them)."""
        ...

    async def on_delete(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        """Called before the connector is deleted; what to do once the deletion is committed."""
        ...

    def tasks(self) -> Mapping[str, Task]:
        """The background tasks this kind's jobs run, by task name (every process registers them)."""
        ...

    def checks(self) -> Sequence[Check]:
        """Looks, run by the job reconciler, for this kind's work that has no job yet."""
        ...


def kind_names() -> list[str]:
    return list(KINDS)


def kind_class(name: str) -> type[KnowledgeKind]:
    """The class of kind `name` (imported on first use); Invalid naming the known kinds."""
    target = KINDS.get(name)
    if target is None:
        raise Invalid(
            f"Unknown connector type {name!r}; known: {', '.join(KINDS)}", code="unknown_connector_type"
        )
    module, _, attr = target.partition(":")
    cls: type[KnowledgeKind] = getattr(importlib.import_module(module), attr)
    return cls


def kind_routers() -> list[APIRouter]:
    return [router for name in KINDS if (router := kind_class(name).router) is not None]


class KnowledgeKinds:
    """The kinds of one runtime, each built once with the runtime's services."""

    def __init__(self, services: KindServices) -> None:
        self._services = services
        self._built: dict[str, KnowledgeKind] = {}

    def all(self) -> list[KnowledgeKind]:
        """Every registered kind, built (at start-up: their tasks must be registered)."""
        return [self.get(name) for name in KINDS]

    def get(self, name: str) -> KnowledgeKind:
        if name not in self._built:
            self._built[name] = kind_class(name)(self._services)  # type: ignore[call-arg]
        return self._built[name]

    def of(self, connectors: Sequence[Connector]) -> list[tuple[KnowledgeKind, list[Connector]]]:
        """The kinds among `connectors`, in registry order, each with its connectors.

        A connector whose kind is no longer registered is skipped (and logged), so an
        assistant keeps answering from the rest of its knowledge.
        """
        grouped: dict[str, list[Connector]] = {}
        for connector in connectors:
            if connector.type in KINDS:
                grouped.setdefault(connector.type, []).append(connector)
            else:
                logger.warning("Connector %s has an unknown type %r; skipped", connector.id, connector.type)
        return [(self.get(name), grouped[name]) for name in KINDS if name in grouped]
