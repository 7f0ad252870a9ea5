"""Any OpenAI-compatible chat server (OpenAI, Ollama, vLLM, llama.cpp's server) via the openai SDK.

Each answer holds one of the process's request slots for its server (openai_client.py) from
the request until the stream is closed. A stream that ends without a finish reason was cut
short (a dropped connection, or llama.cpp's server interrupting one stream for the next), so
it is an error rather than a silently truncated answer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import httpx

from askwell.errors import ModelError
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
from askwell.openai_client import ModelServer, connect
from askwell.settings import Settings


class OpenAIChatModel:
    def __init__(self, model: str, server: ModelServer) -> None:
        self.name = f"openai:{model}"
        self._model = model
        self._server = server
        self.context_window: int | None = None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def stream(
        self, messages: list[Message], options: GenerationOptions
    ) -> AsyncGenerator[ModelChunk, None]:
        async with self._server.slot(self.name):
            response = await self._open(messages, options)
            try:
                async with aclosing(self._chunks(response, messages)) as chunks:
                    async for chunk in chunks:
                        yield chunk
            finally:
                # Also on cancellation (the client went away): closing the HTTP stream tells the
                # server to stop generating.
                await response.close()

    async def aclose(self) -> None:
        await self._server.client.close()

    async def _open(self, messages: list[Message], options: GenerationOptions) -> Any:
        import openai

        try:
            return await self._server.call(
                lambda: self._server.client.chat.completions.create(
                    model=self._model,
                    messages=[{"role": m.role, "content": m.content} for m in messages],
                    max_tokens=options.max_tokens,
                    temperature=options.temperature,
                    stream=True,
                    stream_options={"include_usage": True},
                )
            )
        except openai.APIError as exc:
            raise self._server.error(exc, name=self.name, model=self._model) from exc

    async def _chunks(self, response: Any, messages: list[Message]) -> AsyncGenerator[ModelChunk, None]:
        import openai

        received = pieces = 0
        finished = False
        usage: Usage | None = None
        try:
            async for chunk in response:
                received += 1
                text, reason = self._parse(chunk)
                finished = finished or reason is not None
                if text:
                    pieces += 1
                    yield ModelChunk(text=text)
                if (reported := getattr(chunk, "usage", None)) is not None:
                    usage = Usage(
                        prompt_tokens=getattr(reported, "prompt_tokens", 0) or 0,
                        completion_tokens=getattr(reported, "completion_tokens", 0) or 0,
                    )
        except (openai.APIError, httpx.TransportError) as exc:
            raise self._server.error(exc, name=self.name, model=self._model, mid_stream=True) from exc
        except ValueError as exc:  # a data line that is not JSON
            raise self._server.garbage(self.name) from exc
        if not received:
            raise self._server.garbage(self.name, "no completion at all")
        if not finished:
            raise ModelError(
                f"The model server for {self.name} ended the answer before it was finished: check that "
                f"the server at {self._server.url_setting} is healthy (llama.cpp's server interrupts "
                "a stream when another request arrives unless it runs with --interrupt_requests false)"
            )
        # Servers that ignore stream_options (llama.cpp's) report no usage: estimate it, one
        # token a streamed piece as for the local model.
        yield ModelChunk(
            usage=usage
            or Usage(
                prompt_tokens=sum(self.count_tokens(m.content) for m in messages), completion_tokens=pieces
            )
        )

    def _parse(self, chunk: Any) -> tuple[str, str | None]:
        """(text, finish reason) of one streamed chunk; ModelError when it is not one."""
        choices = getattr(chunk, "choices", None)
        if not isinstance(choices, list):
            raise self._server.garbage(self.name)
        if not choices:  # e.g. the closing usage chunk
            return "", None
        delta = getattr(choices[0], "delta", None)
        text = getattr(delta, "content", None) or ""
        if not isinstance(text, str):
            raise self._server.garbage(self.name)
        reason = getattr(choices[0], "finish_reason", None)
        return text, str(reason) if reason else None


def create(model: str, settings: Settings) -> OpenAIChatModel:
    return OpenAIChatModel(model, connect(settings, kind="model"))
