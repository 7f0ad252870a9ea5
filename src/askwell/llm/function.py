"""A chat model whose replies come from a Python function: the test decides the behaviour.

`function:package.module:name` names a function importable in the server process, called
with the messages and options of each request. It returns the whole reply (a string, said
word by word), the pieces to stream (an iterable), or an async iterator of pieces (which
may raise, like a failing model). Only allowed with ASKWELL_FUNCTION_MODELS=true: the name
imports code, so it is for tests and benchmarks, never for production.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Union

from askwell.errors import Invalid
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
from askwell.settings import Settings

Reply = Union[str, Iterable[str], AsyncIterator[str]]  # noqa: UP007 (a runtime alias)
ReplyFunction = Callable[[list[Message], GenerationOptions], Reply | Awaitable[Reply]]

_WORD = re.compile(r"\S+\s*")


class FunctionModel:
    def __init__(self, name: str, function: ReplyFunction, *, delay_s: float = 0.0) -> None:
        self.name = name
        self.context_window: int | None = None
        self._function = function
        self._delay_s = delay_s  # pause before each piece, like a slow model

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]:
        reply = self._function(messages, options)
        if inspect.isawaitable(reply):
            reply = await reply
        count = 0
        async for piece in _pieces(reply, options.max_tokens):
            # Each piece is a cancellation point, as with a real model.
            await asyncio.sleep(self._delay_s)
            count += 1
            yield ModelChunk(text=piece)
        prompt_tokens = sum(estimate_tokens(m.content) for m in messages)
        yield ModelChunk(usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=count))


async def _pieces(reply: Reply, limit: int) -> AsyncIterator[str]:
    if isinstance(reply, str):
        reply = _WORD.findall(reply)
    if isinstance(reply, AsyncIterator):
        async for piece in reply:
            yield piece
        return
    for index, piece in enumerate(reply):
        if index == limit:
            return
        yield piece


def create(target: str, settings: Settings) -> FunctionModel:
    """`function:package.module:name`: the model whose replies that function writes."""
    if not settings.function_models:
        raise Invalid(
            "function: models run code named in the model name; they are for tests and "
            "benchmarks (set ASKWELL_FUNCTION_MODELS=true to allow them)",
            code="invalid_model",
        )
    module_name, _, attr = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        raise Invalid(f"No function {target!r} to import", code="invalid_model") from None
    return FunctionModel(f"function:{target}", function)
