"""The Prometheus metrics of Askwell, and the small calls that record them.

Domain code calls the functions below, never the metric objects. Under several server
processes (PROMETHEUS_MULTIPROC_DIR set) prometheus-client keeps each value in a file per
process and /metrics adds them up (see exposition.py); the gauges say how to combine them.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SQL_OUTCOMES = ("answered", "rescued", "refused", "failed")
# A job outcome that is a failure (the runner's outcomes: done, retry, failed, interrupted).
_JOB_FAILURES = frozenset({"failed", "retry"})
_LONG = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, float("inf"))

HTTP_DURATION = Histogram(
    "askwell_http_request_duration_seconds",
    "HTTP requests, from the request to the last byte of the response.",
    ["method", "route", "status"],
)
CHAT_DURATION = Histogram(
    "askwell_chat_stream_duration_seconds",
    "Chat turns, from the request to the last event.",
    ["model", "outcome"],
    buckets=_LONG,
)
FIRST_TOKEN = Histogram(
    "askwell_chat_first_token_seconds",
    "Time from the request to the first answer token.",
    ["model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, float("inf")),
)
PROMPT_TOKENS = Counter("askwell_chat_prompt_tokens", "Tokens sent to chat models (answers).", ["model"])
COMPLETION_TOKENS = Counter(
    "askwell_chat_completion_tokens", "Tokens chat models generated (answers).", ["model"]
)
RETRIEVAL_DURATION = Histogram(
    "askwell_retrieval_duration_seconds",
    "Document retrieval of one turn (keyword, vector and fusion).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, float("inf")),
)
SQL_OUTCOME = Counter(
    "askwell_sql_route_outcomes",
    "Turns the SQL route took: answered, rescued (answered after a retry), refused, failed.",
    ["outcome"],
)
QUEUE_DEPTH = Gauge(
    "askwell_job_queue_depth",
    "Jobs by state, as the reconciler last counted them.",
    ["state"],
    multiprocess_mode="mostrecent",
)
JOB_DURATION = Histogram(
    "askwell_job_duration_seconds", "Job runs, by task and outcome.", ["task", "outcome"], buckets=_LONG
)
JOB_FAILURES = Counter("askwell_job_failures", "Failed job runs (retried or given up).", ["task", "outcome"])
POOL_CHECKED_OUT = Gauge(
    "askwell_db_pool_checked_out",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)

for _outcome in SQL_OUTCOMES:  # present at 0 from the start, so that rates work at once
    SQL_OUTCOME.labels(_outcome)
_queue_states: set[str] = set()
_COUNTED = "askwell_counted_checkout"


def observe_http(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_DURATION.labels(method, route, f"{status // 100}xx").observe(seconds)


def observe_turn(
    *,
    model: str,
    outcome: str,
    seconds: float,
    first_token_s: float | None,
    prompt_tokens: int,
    completion_tokens: int,
) -> None:
    """One chat turn ended: `outcome` is ok, error or interrupted (the client went away)."""
    CHAT_DURATION.labels(model, outcome).observe(seconds)
    if first_token_s is not None:
        FIRST_TOKEN.labels(model).observe(first_token_s)
    if prompt_tokens:
        PROMPT_TOKENS.labels(model).inc(prompt_tokens)
    if completion_tokens:
        COMPLETION_TOKENS.labels(model).inc(completion_tokens)


def observe_retrieval(seconds: float) -> None:
    RETRIEVAL_DURATION.observe(seconds)


def count_sql_outcome(outcome: str) -> None:
    """How a turn the SQL route took ended; one of SQL_OUTCOMES."""
    SQL_OUTCOME.labels(outcome).inc()


def set_queue_depth(state_counts: dict[str, int]) -> None:
    """The jobs in each state now; a state seen before and absent from `state_counts` is 0."""
    _queue_states.update(state_counts)
    for state in _queue_states:
        QUEUE_DEPTH.labels(state).set(state_counts.get(state, 0))


def observe_job(task: str, outcome: str, seconds: float) -> None:
    """One job run ended (outcome: done, retry, failed, interrupted)."""
    JOB_DURATION.labels(task, outcome).observe(seconds)
    if outcome in _JOB_FAILURES:
        JOB_FAILURES.labels(task, outcome).inc()


def watch_pool(engine: AsyncEngine) -> None:
    """Count the connections `engine`'s pool has handed out, as they go and come back.

    Pool events rather than reading the pool at scrape time: under several processes the
    process that answers the scrape cannot see the others' pools, but their files it can.
    """
    event.listen(engine.sync_engine, "checkout", _checked_out)
    event.listen(engine.sync_engine, "checkin", _checked_in)


def _checked_out(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    record.info[_COUNTED] = True
    POOL_CHECKED_OUT.inc()


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    # Only what was counted going out: a connection taken before watch_pool comes back uncounted.
    if record.info.pop(_COUNTED, False):
        POOL_CHECKED_OUT.dec()
