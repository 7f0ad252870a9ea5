"""What a job is to the code that runs it, and what a queue back-end must do.

Task code sees a JobContext and may raise RetryLater (try again after a backoff: a model
server or database that is down) or JobFailed (give up now, with the reason). Any other
exception is a permanent failure too, logged with its traceback. Which back-end carries
the job ids (in process, or Redis) is plumbing the task code never sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from askwell.errors import Unavailable


class RetryLater(Exception):
    """A transient failure: run the job again after a backoff (until its attempts run out)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JobFailed(Exception):
    """A permanent failure: the job stops with this reason (a corrupt file, a missing row)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Failures that say "not now" rather than "never": a database, model server or queue that is
# away. The job is retried after a backoff; task code lets them through.
TRANSIENT: tuple[type[BaseException], ...] = (
    RetryLater,
    Unavailable,
    OperationalError,
    InterfaceError,
    PoolTimeout,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class JobContext:
    job_id: uuid.UUID
    task: str
    key: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first run
    max_attempts: int
    request_id: str | None

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


Handler = Callable[[JobContext], Awaitable[None]]
# Called once a job has failed for good (permanently, or out of attempts), with the reason:
# the task's domain records it (a document is marked failed with the reason).
FailureHandler = Callable[[JobContext, str], Awaitable[None]]


@dataclass(frozen=True)
class Task:
    run: Handler
    on_failure: FailureHandler | None = None


class Transport(Protocol):
    """Carries job ids to workers. At-least-once is enough: a job is claimed in the database
    before it runs, so a second delivery of the same id does nothing."""

    name: str

    async def start(self) -> None: ...

    async def send(self, job_ids: Sequence[uuid.UUID]) -> None:
        """Hand the jobs to the queue; may raise when it is unreachable (they stay queued)."""
        ...

    async def lost_messages(self) -> bool:
        """Whether the queue may have dropped what it held since the last call (a flushed or
        replaced Redis): the reconciler then sends every queued job again."""
        ...

    async def ping(self) -> None:
        """Raise when the queue cannot be reached (readiness checks)."""
        ...

    async def close(self) -> None: ...
