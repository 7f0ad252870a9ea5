"""Native turn <-> OpenAI: a conversation becomes a question and its history; the turn's
typed events become completion chunks, or one completion."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from askwell.errors import Invalid, Unavailable
from askwell.openai_compat.schemas import (
    AskwellExtension,
    ChatCompletion,
    ChatCompletionChunk,
    CompletionChoice,
    CompletionChunkChoice,
    CompletionDelta,
    CompletionMessage,
    CompletionUsage,
    OpenAIError,
    OpenAIMessage,
)
from askwell.openai_compat.wire import error_detail
from askwell.turn.events import (
    ChatEvent,
    StartEvent,
    TokenEvent,
)
from askwell.turn.gathered import GatheredAnswer

_MAX_QUESTION = 8000  # as the native ChatRequest.message
_MAX_TURN = 32000  # as the native HistoryTurn.content


def _text_of(message: OpenAIMessage, index: int) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    parts = []
    for part in message.content:
        if part.type != "text" or part.text is None:
            raise Invalid(
                f"messages[{index}]: only text content parts are supported, not '{part.type}'",
                code="unsupported_content",
            )
        parts.append(part.text)
    return "".join(parts)


def conversation(messages: list[OpenAIMessage]) -> tuple[str, list[dict[str, str]]]:
    """(the question, the earlier user/assistant turns).

    System and developer messages are left out: the assistant's own system prompt governs
    its answers, and a caller may not replace it. Tool messages carry nothing it can use.
    """
    last = messages[-1]
    question = _text_of(last, len(messages) - 1).strip()
    if last.role != "user" or not question:
        raise Invalid(
            "The last message must be a user message with text: it is the question", code="no_question"
        )
    if len(question) > _MAX_QUESTION:
        raise Invalid(f"The question is longer than {_MAX_QUESTION} characters", code="question_too_long")
    history = []
    for index, message in enumerate(messages[:-1]):
        if message.role in ("user", "assistant"):
            text = _text_of(message, index)
            if len(text) > _MAX_TURN:
                raise Invalid(
                    f"messages[{index}] is longer than {_MAX_TURN} characters", code="message_too_long"
                )
            history.append({"role": message.role, "content": text})
    return question, history


@dataclass(frozen=True, slots=True)
class About:
    """What the response says it answers: the requested model name and the native ids."""

    model: str
    assistant_id: uuid.UUID
    session_id: str


@dataclass
class _Answer(GatheredAnswer):
    """What the events said, gathered for the completion or the final chunk."""

    @property
    def completion_usage(self) -> CompletionUsage:
        prompt, completion = (
            (self.usage.prompt_tokens, self.usage.completion_tokens) if self.usage else (0, 0)
        )
        return CompletionUsage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )

    @property
    def completion_id(self) -> str:
        return f"chatcmpl-{(self.message_id or uuid.uuid4()).hex}"

    def askwell(self, about: About) -> AskwellExtension:
        return AskwellExtension(
            assistant_id=about.assistant_id,
            session_id=about.session_id,
            message_id=self.message_id,
            **self.extras,
        )


async def completion(events: AsyncIterator[ChatEvent], about: About) -> ChatCompletion:
    """The whole answer as one completion; a failed turn is a 503 (its partial answer is stored)."""
    answer = _Answer()
    async for event in events:
        answer.add(event)
    if answer.error is not None:
        raise Unavailable(answer.error.message, code=answer.error.code)
    return ChatCompletion(
        id=answer.completion_id,
        created=int(time.time()),
        model=about.model,
        choices=[CompletionChoice(message=CompletionMessage(content=answer.answer))],
        usage=answer.completion_usage,
        askwell=answer.askwell(about),
    )


async def chunks(
    events: AsyncIterator[ChatEvent], about: About, *, include_usage: bool
) -> AsyncIterator[BaseModel]:
    """A role chunk, one chunk per text delta, a final chunk with the `askwell` field (and a
    usage chunk when asked, as OpenAI sends it); an error frame instead when the turn fails."""
    answer = _Answer()
    created, model = int(time.time()), about.model

    def chunk(delta: CompletionDelta, **extra: Any) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=answer.completion_id,
            created=created,
            model=model,
            choices=[CompletionChunkChoice(delta=delta)],
            **extra,
        )

    async for event in events:
        answer.add(event)
        if isinstance(event, StartEvent):
            yield chunk(CompletionDelta(role="assistant", content=""))
        elif isinstance(event, TokenEvent):
            yield chunk(CompletionDelta(content=event.content))
    if answer.error is not None:
        yield OpenAIError(error=error_detail(503, answer.error.message, answer.error.code))
        return
    final = chunk(CompletionDelta(), askwell=answer.askwell(about))
    final.choices[0].finish_reason = "stop"
    yield final
    if include_usage:
        yield ChatCompletionChunk(
            id=answer.completion_id, created=created, model=model, choices=[], usage=answer.completion_usage
        )
