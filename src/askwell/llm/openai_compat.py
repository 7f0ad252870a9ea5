"""Any OpenAI-compatible chat server (OpenAI, Ollama, vLLM, llama.cpp's server) via the openai SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from askwell.errors import Invalid, ModelError
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
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
        except openai.APITimeoutError as exc:
            raise ModelError(
                f"The model server for {self.name} did not answer in time (ASKWELL_MODEL_TIMEOUT_S)"
            ) from exc
        except openai.APIConnectionError as exc:
            raise ModelError(
                f"Cannot reach the model server for {self.name}: check "
                "ASKWELL_OPENAI_BASE_URL and that the server is running"
            ) from exc
        except openai.AuthenticationError as exc:
            raise ModelError(
                f"The model server refused the API key for {self.name}: check ASKWELL_OPENAI_API_KEY"
            ) from exc
        except openai.NotFoundError as exc:
            raise ModelError(f"The model server does not know the model {self._model!r}") from exc
        except openai.APIStatusError as exc:
            raise ModelError(f"The model server answered HTTP {exc.status_code} for {self.name}") from exc
        except openai.APIError as exc:
            raise ModelError(f"The model server failed for {self.name}") from exc


def create(model: str, settings: Settings) -> OpenAIChatModel:
    try:
        import openai
    except ImportError as exc:
        raise Invalid(
            'The "openai:" provider needs the openai extra: pip install "askwell[openai]"',
            code="missing_extra",
        ) from exc
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    client = openai.AsyncOpenAI(
        base_url=settings.openai_base_url,
        api_key=api_key,
        timeout=settings.model_timeout_s,
        max_retries=1,
    )
    return OpenAIChatModel(model, client)
