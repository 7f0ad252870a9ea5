"""The stages of a chat turn, in order: the chat's own and those its knowledge kinds add.

context -> [understand] -> [gather] -> answer: generate (from the sources found, if any)
unless a kind takes the turn (a database: write SQL, run, chart, answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from askwell.chat.passage_budget import PassageBudget
from askwell.chat.stages.context import ContextStage
from askwell.chat.stages.generate import GenerateStage
from askwell.connectors.kinds import KnowledgeKind
from askwell.turn.state import Phase, Stage


def stages_for(kinds: Iterable[KnowledgeKind], passage_budget: PassageBudget | None = None) -> list[Stage]:
    by_phase: dict[Phase, list[Stage]] = {phase: [] for phase in Phase}
    by_phase[Phase.ANSWER].append(GenerateStage(passage_budget))
    for kind in kinds:
        for phase, stages in kind.stages().items():
            by_phase[phase].extend(stages)
    return [ContextStage(), *(stage for phase in sorted(by_phase) for stage in by_phase[phase])]


__all__ = ["ContextStage", "GenerateStage", "stages_for"]
