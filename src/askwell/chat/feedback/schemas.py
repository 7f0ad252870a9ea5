"""Feedback and export on the wire: a rating in, a feedback entry and the admin page out."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


class FeedbackUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating
    comment: str = Field(default="", max_length=4000)


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: uuid.UUID
    rating: Rating
    comment: str
    created_at: datetime
    updated_at: datetime


class FeedbackItem(FeedbackRead):
    """One rated answer in the admin view: the rating, the answer, and the question before it."""

    session_id: str
    assistant_id: uuid.UUID
    question: str
    answer: str


class FeedbackPage(BaseModel):
    items: list[FeedbackItem]
    total: int
    limit: int
    offset: int


class FeedbackExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


class ConversationExportFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"
