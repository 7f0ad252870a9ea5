"""Step bookkeeping: ids, sequence numbers, durations, and the record kept with the message."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from askwell.turn.events import StepEvent, StepStatus


@dataclass
class _Step:
    event: StepEvent
    started: float


@dataclass
class StepTracker:
    """Creates step events and remembers the latest state of each for persistence."""

    _steps: dict[str, _Step] = field(default_factory=dict)
    _sequence: int = 0

    def start(self, key: str, label: str, *, parent: str | None = None, **metadata: Any) -> StepEvent:
        self._sequence += 1
        if parent is not None:
            metadata["is_substep"] = True
        event = StepEvent(
            step_id=key,
            parent_id=parent,
            sequence=self._sequence,
            label=label,
            status="running",
            metadata=metadata,
        )
        self._steps[key] = _Step(event=event, started=time.perf_counter())
        return event

    def finish(self, key: str, status: StepStatus = "done", **metadata: Any) -> StepEvent:
        step = self._steps[key]
        duration_ms = round((time.perf_counter() - step.started) * 1000, 1)
        step.event = step.event.model_copy(
            update={
                "status": status,
                "metadata": {**step.event.metadata, **metadata, "duration_ms": duration_ms},
            }
        )
        return step.event

    def running(self) -> list[str]:
        """Keys of steps still running, innermost (latest) first."""
        running = [s.event for s in self._steps.values() if s.event.status == "running"]
        return [e.step_id for e in sorted(running, key=lambda e: -e.sequence)]

    def record(self) -> list[dict[str, Any]]:
        """The steps as stored with the bot message (flat; history rebuilds the tree)."""
        return [s.event.model_dump(mode="json", exclude={"type"}) for s in self._steps.values()]
