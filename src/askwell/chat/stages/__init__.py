"""The stages a chat turn is made of, in order; each decides from the turn whether it runs.

Documents: context -> retrieve -> generate. With a database: context -> understand ->
route -> (retrieve -> generate) or (SQL: write, run, chart, answer).
"""

from __future__ import annotations

from askwell.chat.stages.context import ContextStage
from askwell.chat.stages.generate import GenerateStage
from askwell.chat.stages.retrieve import RetrieveStage
from askwell.chat.stages.sql import SqlStage
from askwell.chat.stages.understand import RouteStage, UnderstandStage
from askwell.chat.turn import Stage, Turn


def stages_for(turn: Turn) -> list[Stage]:
    if turn.sql is None:
        return [ContextStage(), RetrieveStage(), GenerateStage()]
    return [ContextStage(), UnderstandStage(), RouteStage(), RetrieveStage(), GenerateStage(), SqlStage()]


__all__ = [
    "ContextStage",
    "GenerateStage",
    "RetrieveStage",
    "RouteStage",
    "SqlStage",
    "UnderstandStage",
    "stages_for",
]
