"""OpenAI's Chat Completions wire format, the part Askwell speaks, plus the `askwell` field."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from askwell.turn.events import Source


class OpenAIContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls ...: accepted, not used

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[OpenAIContentPart] | None = None


class OpenAIStreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class CompletionRequest(BaseModel):
    """Sampling parameters (temperature, max_tokens ...) are accepted and ignored: the
    assistant's own settings decide how it answers."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        min_length=1, max_length=200, description="An assistant's id or slug (GET /v1/models)."
    )
    messages: list[OpenAIMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: OpenAIStreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=1, description="Only one choice is generated.")


class OpenAIModel(BaseModel):
    id: str = Field(description="The assistant's slug; its UUID is accepted as `model` too.")
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "askwell"
    askwell: dict[str, Any] = Field(description="assistant_id, name, description")


class OpenAIModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AskwellExtension(BaseModel):
    """What makes the answer checkable, beside its text: what it cites and, for data
    answers, the SQL that ran, its result and the chart."""

    assistant_id: uuid.UUID
    session_id: str
    message_id: uuid.UUID | None = None
    sources: list[Source] = Field(default_factory=list, description="Numbered as the [n] in the text.")
    sql: str | None = None
    table: dict[str, Any] | None = Field(default=None, description="columns, rows, row_count, truncated")
    visualization: dict[str, Any] | None = None


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage
    askwell: AskwellExtension


class CompletionDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class CompletionChunkChoice(BaseModel):
    index: int = 0
    delta: CompletionDelta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[CompletionChunkChoice]
    usage: CompletionUsage | None = None
    askwell: AskwellExtension | None = Field(default=None, description="On the final chunk only.")


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class OpenAIError(BaseModel):
    error: OpenAIErrorDetail
