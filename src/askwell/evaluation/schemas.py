"""Evaluation on the wire: a set's questions, a run with its metrics, one question's drill-down."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from askwell.documents.retrieval.schemas import SearchMode

MODES: tuple[SearchMode, ...] = ("keyword", "vector", "hybrid")


class ExpectedDocument(BaseModel):
    """A document that holds the answer: its name as uploaded, and the page when it has pages."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500)
    page: int | None = Field(default=None, ge=1)


class ExpectedResult(BaseModel):
    """A query's expected result: the rows, and the column names when known."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    rows: list[list[Any]]


class EvalItem(BaseModel):
    """One question of a set, as read from a JSONL or CSV line."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=4000)
    expected_answer: str | None = Field(default=None, max_length=20000)
    expected_documents: list[ExpectedDocument] = Field(default_factory=list, max_length=50)
    expected_sql: str | None = Field(default=None, max_length=20000)
    expected_result: ExpectedResult | None = None
    id: str | None = Field(default=None, max_length=200, description="the set's own id for the question")


class EvalSetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assistant_id: uuid.UUID
    name: str
    item_count: int
    created_at: datetime


class EvalRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(default=None, ge=1, description="run only the set's first N questions")


class ModeMetrics(BaseModel):
    """Retrieval in one mode, averaged over the questions with expected documents."""

    ndcg_at_10: float | None = None
    recall_at_10: float | None = None
    mrr_at_10: float | None = None
    questions: int = 0


class RunMetrics(BaseModel):
    """A run's numbers; a measure is null when no question of the set gives it (no expected answers ...)."""

    retrieval: dict[str, ModeMetrics] = Field(default_factory=dict)  # mode -> its metrics
    answer_f1: float | None = None
    citation_precision: float | None = None
    abstention_rate: float | None = None
    sql_execution_accuracy: float | None = None
    latency_p50_ms: dict[str, float] = Field(default_factory=dict)  # stage -> p50
    questions: int = 0
    errors: int = 0


class EvalRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assistant_id: uuid.UUID
    set_id: uuid.UUID
    status: str
    total: int
    completed: int
    failed_questions: int
    error: str | None
    settings: dict[str, Any]
    metrics: RunMetrics | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, run: object) -> EvalRunRead:
        """A stored run; its metrics are null until the run has them."""
        read = cls.model_validate(run)
        if read.status != "done" and read.metrics is not None and not read.metrics.questions:
            read.metrics = None
        return read


class RetrievedDocument(BaseModel):
    name: str
    page: int | None = None
    page_end: int | None = None
    score: float | None = None
    relevant: bool = False


class Citation(BaseModel):
    number: int
    name: str
    page: int | None = None
    in_expected: bool | None = None  # null when the question names no expected documents


class EvalResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    question: str
    expected: dict[str, Any]
    retrieved: dict[str, list[RetrievedDocument]]  # mode -> ranked, first 10 distinct documents
    answer: str
    citations: list[Citation]
    sql: str | None
    sql_result: dict[str, Any] | None
    latency_ms: dict[str, float]
    scores: dict[str, Any]
    error: str | None


class EvalResultPage(BaseModel):
    items: list[EvalResultRead]
    total: int
    limit: int
    offset: int
