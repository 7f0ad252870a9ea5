"""The stages a chat turn is made of, in order."""

from __future__ import annotations

from askwell.chat.stages.context import ContextStage
from askwell.chat.stages.generate import GenerateStage
from askwell.chat.stages.retrieve import RetrieveStage
from askwell.chat.turn import Stage, Turn


def stages_for(turn: Turn) -> list[Stage]:
    stages: list[Stage] = [ContextStage()]
    if turn.retrieval is not None:
        stages.append(RetrieveStage())
    stages.append(GenerateStage())
    return stages


__all__ = ["ContextStage", "GenerateStage", "RetrieveStage", "stages_for"]
