"""A third knowledge kind, for the tests only: "notes", short texts kept in the connector's config.

It shows what a new kind takes: this one module and one line in the registry
(`connectors.kinds.KINDS`). It validates its config, plans, adds a gathering stage whose
passages the chat's generate stage answers from and cites, cleans up after deletion,
and brings an admin endpoint of its own.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.assistants.models import Assistant
from askwell.auth.deps import AdminUser
from askwell.connectors import service as connector_service
from askwell.connectors.kinds import AfterCommit, Check, KindServices, SealedConfig
from askwell.connectors.models import Connector
from askwell.deps import SessionDep
from askwell.errors import Invalid
from askwell.jobs.base import Task
from askwell.turn.events import ChatEvent, Source
from askwell.turn.state import GENERATE, Phase, Stage, Turn, TurnDeps

KIND = "notes"
DELETED: list[uuid.UUID] = []  # connectors whose after-commit clean-up ran
_WORD = re.compile(r"[a-z0-9]{3,}")


class NotesConfig(BaseModel, extra="forbid"):
    notes: list[str] = Field(min_length=1, max_length=50)


@dataclass(frozen=True)
class NotesPlan:
    notes: tuple[tuple[uuid.UUID, str], ...]  # (connector id, note)


class FindNotesStage:
    async def run(self, turn: Turn, deps: TurnDeps) -> AsyncIterator[ChatEvent]:
        plan = turn.plan(KIND, NotesPlan)
        if plan is None or turn.route != GENERATE:
            return
        turn.searched = True
        yield turn.steps.start("notes", "Reading notes")
        asked = set(_WORD.findall(turn.question.lower()))
        found = [
            Source(
                id=f"note-{i}", name="notes", type="note", content=note, metadata={"connector_id": str(cid)}
            )
            for i, (cid, note) in enumerate(plan.notes)
            if asked & set(_WORD.findall(note.lower()))
        ]
        turn.sources.extend(found)
        yield turn.steps.finish("notes", found=len(found))


router = APIRouter(tags=["connectors"])


@router.get("/connectors/{connector_id}/notes")
async def list_notes(connector_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> list[str]:
    """A notes connector's notes."""
    connector = await connector_service.get(session=session, connector_id=connector_id, type_=KIND)
    return list(connector.config["notes"])


class NotesKind:
    name: ClassVar[str] = KIND
    title: ClassVar[str] = "Notes"
    router: ClassVar[APIRouter | None] = router

    def __init__(self, services: KindServices) -> None:
        self._stages: dict[Phase, Sequence[Stage]] = {Phase.GATHER: [FindNotesStage()]}

    def seal_config(self, raw: dict[str, Any], *, previous: Connector | None) -> SealedConfig:
        merged = {**(previous.config if previous else {}), **raw}
        try:
            config = NotesConfig.model_validate(merged)
        except ValidationError as exc:
            raise Invalid(f"config: {exc.errors()[0]['msg']}", code="invalid_config") from None
        return SealedConfig(config=config.model_dump())

    async def plan(
        self, *, session: AsyncSession, assistant: Assistant, connectors: Sequence[Connector]
    ) -> NotesPlan:
        return NotesPlan(notes=tuple((c.id, note) for c in connectors for note in c.config["notes"]))

    def stages(self) -> Mapping[Phase, Sequence[Stage]]:
        return self._stages

    async def on_saved(self, *, session: AsyncSession, connector: Connector) -> AfterCommit | None:
        return None

    async def on_delete(self, *, session: AsyncSession, connector: Connector) -> AfterCommit:
        async def forget() -> None:
            DELETED.append(connector.id)

        return forget

    def tasks(self) -> Mapping[str, Task]:
        return {}

    def checks(self) -> Sequence[Check]:
        return []
