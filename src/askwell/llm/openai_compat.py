"""Any OpenAI-compatible chat server (OpenAI, Ollama, vLLM, llama.cpp's server) via the openai SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
from askwell.openai_client import make_client, model_error
from askwell.settings import Settings


class OpenAIChatModel:
    def __init__(self, model: str, client: Any) -> None:
        self.name = f"openai:{model}"
        self._model = model
        self._client = client
        self.context_window: int | None = None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]:
        import openai

        try:
            response = await self._client.chat.completions.create(
                model=self._model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                stream=True,
                stream_options={"include_usage": True},
            )
            try:
                async for chunk in response:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield ModelChunk(text=chunk.choices[0].delta.content)
                    if chunk.usage is not None:
                        yield ModelChunk(
                            usage=Usage(
                                prompt_tokens=chunk.usage.prompt_tokens or 0,
                                completion_tokens=chunk.usage.completion_tokens or 0,
                            )
                        )
            finally:
                # Closing the HTTP stream tells the server to stop generating.
                await response.close()
        except openai.APIError as exc:
            raise model_error(exc, server="model", name=self.name, model=self._model) from exc


def create(model: str, settings: Settings) -> OpenAIChatModel:
    return OpenAIChatModel(model, make_client(settings))
