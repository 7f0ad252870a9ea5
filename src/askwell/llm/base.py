"""The chat-model protocol every provider implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ModelChunk:
    """One piece of a streamed answer: text, and usage on the last chunk when known."""

    text: str = ""
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    max_tokens: int = 1024
    temperature: float = 0.2


class ChatModel(Protocol):
    """A model that streams an answer to a list of messages.

    Implementations must not block the event loop and must stop work promptly when the
    consuming task is cancelled (the client went away).
    """

    name: str
    context_window: int | None  # tokens the model sees at once; None when large enough not to budget

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]: ...


def estimate_tokens(text: str) -> int:
    """A rough token count (about 4 characters a token) for providers that report none."""
    return max(1, len(text) // 4) if text else 0
