"""The benchmark's database connector, set up through the product's own code path.

A connector is created as the API creates one (SqlKind.seal_config: the URL checked and sealed,
the admin's description, docs and examples kept), its schema snapshot taken as the snapshot
job takes it (sql.service.refresh_schema, which introspects the database read-only), and each
question's plan made by SqlKind.plan, as the chat does. The route's stages are the kind's own,
in phase order, so the benchmark runs whatever the product runs.

Two sets of notes:

- "demo": what `askwell demo` gives Chinook (DEMO_DESCRIPTION, DEMO_DOCS, DEMO_EXAMPLES and
  the demo assistant's system prompt);
- "none": what a new user gets by adding a connector with only its URL: the introspected
  schema, and an assistant with the default (empty) system prompt.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askwell.assistants.schemas import AssistantCreate
from askwell.connectors.kinds import KindServices
from askwell.connectors.models import Connector
from askwell.connectors.secrets import CredentialBox
from askwell.embeddings.base import Embedder
from askwell.settings import Settings
from askwell.sql.demo import DEMO_DESCRIPTION, DEMO_DOCS, DEMO_EXAMPLES
from askwell.sql.kind import SqlKind
from askwell.sql.knowledge import SqlKnowledge
from askwell.sql.plan import SqlPlan
from askwell.sql.service import refresh_schema
from askwell.turn.state import Phase, Stage

NOTES = ("demo", "none")
DEMO_SYSTEM_PROMPT = (
    "You are a data analyst for the Chinook music store. Be brief and precise."  # cli/demo.py
)
NEW_USER_SYSTEM_PROMPT = AssistantCreate.model_fields["system_prompt"].default


class _NoAskwellDatabase:
    """refresh_schema stores the snapshot in the connector row, then flushes the session; the
    benchmark keeps its connector in memory only, so there is nothing to flush to."""

    async def flush(self) -> None:
        return None


@dataclass
class BenchConnector:
    kind: SqlKind
    connector: Connector
    stages: list[Stage]  # the SQL kind's stages, understand to answer
    system_prompt: str

    @property
    def config(self) -> dict[str, Any]:
        return self.connector.config

    async def plan(self) -> SqlPlan:
        """A fresh plan for one question (its work in progress starts empty)."""
        return await self.kind.plan(session=None, assistant=None, connectors=[self.connector])  # type: ignore[arg-type]

    def knowledge(self) -> SqlKnowledge | None:
        """The route's schema knowledge (to warm its per-config cache up before timing)."""
        for stage in self.stages:
            knowledge = getattr(stage, "_knowledge", None)
            if isinstance(knowledge, SqlKnowledge):
                return knowledge
        return None


async def connect(db: Path, *, notes: str, settings: Settings, embedder: Embedder) -> BenchConnector:
    """A connector on the SQLite file `db` (an absolute path), with the given notes."""
    if notes not in NOTES:
        raise ValueError(f"notes: one of {NOTES}")
    box = CredentialBox(uuid.uuid4().hex)
    # Only what the SQL stages use: no jobs are sent, no Askwell database or file store is read.
    services = KindServices(
        settings=settings,
        session_factory=None,  # type: ignore[arg-type]
        embedder=embedder,
        credentials=box,
        jobs=None,  # type: ignore[arg-type]
        files=None,  # type: ignore[arg-type]
    )
    kind = SqlKind(services)
    raw: dict[str, Any] = {"url": f"sqlite:///{db}"}
    if notes == "demo":
        raw |= {"description": DEMO_DESCRIPTION, "docs": DEMO_DOCS, "examples": DEMO_EXAMPLES}
    sealed = kind.seal_config(raw, previous=None)
    connector = Connector(
        id=uuid.uuid4(), type="sql", name=db.stem, config=sealed.config, secret=sealed.secret
    )
    await refresh_schema(session=_NoAskwellDatabase(), connector=connector, box=box)  # type: ignore[arg-type]
    by_phase = kind.stages()
    stages = [stage for phase in sorted(Phase) for stage in by_phase.get(phase, [])]
    prompt = DEMO_SYSTEM_PROMPT if notes == "demo" else NEW_USER_SYSTEM_PROMPT
    return BenchConnector(kind, connector, stages, prompt)
