"""Local chat models on llama.cpp (llama-cpp-python): "local:<catalogue name>" or "gguf:/path/model.gguf".

One model instance is loaded per file and shared by every request. llama.cpp contexts are
not thread-safe, so generations run one at a time on a dedicated worker thread; the event
loop only relays tokens. Requests beyond the queue size are refused at once (a 503-style
error event) rather than piling up. A client that goes away sets a flag that the worker
checks between tokens, so a cancelled answer frees the model within one token.

llama.cpp keeps the KV cache of the previous prompt and re-evaluates only what differs
after the longest common prefix, so the stable head of our prompts (system prompt and
instructions) is not recomputed from one turn to the next. That holds one prompt only: a
data question alternates two (the SQL prompt with the whole schema, then the short answer
prompt), so a RAM cache of saved states (`local_prompt_cache_mb`) keeps the schema prompt's
state across the answer call; measured in bench/RESULTS.md (text_to_sql) at about half the
time to the SQL result.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from askwell.errors import Invalid, ModelError, Unavailable
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage
from askwell.llm.catalogue import get_card
from askwell.llm.model_files import model_path
from askwell.settings import Settings

_END = object()


class LocalChatModel:
    def __init__(
        self,
        name: str,
        path: Path,
        *,
        missing_hint: str,
        context_window: int,
        threads: int,
        queue_size: int,
        chat_format: str | None,
        prompt_cache_mb: int = 0,
    ) -> None:
        self.name = name
        self.context_window = context_window
        self._path = path
        self._missing_hint = missing_hint
        self._threads = threads or os.cpu_count() or 1
        self._queue_size = queue_size
        self._chat_format = chat_format
        self._prompt_cache_mb = prompt_cache_mb
        self._llm: Any = None
        self._load_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self._pending = 0

    async def warm(self) -> None:
        """Load the weights now, on the model's own thread, rather than on the first chat."""
        if self._path.is_file():
            await asyncio.get_running_loop().run_in_executor(self._executor, self._load)

    def count_tokens(self, text: str) -> int:
        if self._llm is None:  # not loaded yet: over-estimate rather than overflow the window
            return len(text) // 3 + 1
        return len(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]:
        if not self._path.is_file():
            raise Unavailable(self._missing_hint, code="model_not_installed")
        if self._pending >= self._queue_size:
            raise Unavailable(
                "The local model is busy with other chats; try again in a moment", code="model_busy"
            )
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()
        payload = [{"role": m.role, "content": m.content} for m in messages]

        def emit(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            try:
                if cancelled.is_set():
                    return  # the client left while waiting in the queue
                self._generate(payload, options, cancelled, emit)
            except Exception as exc:  # reported to the awaiting coroutine, which raises it
                emit(exc)
            finally:
                emit(_END)

        self._pending += 1
        try:
            loop.run_in_executor(self._executor, work)
            while (item := await queue.get()) is not _END:
                if isinstance(item, Exception):
                    raise _as_model_error(item)
                yield item
        finally:
            cancelled.set()
            self._pending -= 1

    def _generate(
        self, payload: list[dict[str, str]], options: GenerationOptions, cancelled: threading.Event, emit: Any
    ) -> None:
        llm = self._load()
        pieces = 0
        prompt_tokens: int | None = None
        stream = llm.create_chat_completion(
            messages=payload, max_tokens=options.max_tokens, temperature=options.temperature, stream=True
        )
        try:
            for chunk in stream:
                if prompt_tokens is None:
                    # At the first chunk the prompt is evaluated and no generated token is yet:
                    # the context holds exactly the prompt (however a stop ends the answer).
                    prompt_tokens = llm.n_tokens
                if cancelled.is_set():
                    break
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    pieces += 1
                    emit(ModelChunk(text=text))
        finally:
            stream.close()
        prompt = prompt_tokens if prompt_tokens is not None else llm.n_tokens
        emit(ModelChunk(usage=Usage(prompt_tokens=prompt, completion_tokens=pieces)))

    def _load(self) -> Any:
        with self._load_lock:
            if self._llm is None:
                from llama_cpp import Llama

                try:
                    self._llm = Llama(
                        model_path=str(self._path),
                        n_ctx=self.context_window,
                        n_threads=self._threads,
                        n_batch=512,
                        chat_format=self._chat_format,
                        verbose=False,
                    )
                except (ValueError, RuntimeError) as exc:
                    raise ModelError(
                        f"llama.cpp could not load {self._path.name}: is it a valid GGUF file?"
                    ) from exc
                if self._prompt_cache_mb:
                    from llama_cpp import LlamaRAMCache

                    self._llm.set_cache(LlamaRAMCache(capacity_bytes=self._prompt_cache_mb << 20))
            return self._llm


def _as_model_error(exc: Exception) -> Exception:
    if isinstance(exc, ModelError | Unavailable):
        return exc
    return ModelError(f"The local model failed: {type(exc).__name__}")


def _require_llama_cpp() -> None:
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise Invalid(
            'Local models need the local extra: pip install "askwell[local]" (or `make run`)',
            code="missing_extra",
        ) from exc


def create(model: str, settings: Settings) -> LocalChatModel:
    """ "local:<catalogue name>": a catalogued model pulled into the models folder."""
    _require_llama_cpp()
    card = get_card(model)
    return LocalChatModel(
        f"local:{card.name}",
        model_path(card, settings.resolved_models_dir),
        missing_hint=f"The model {card.name} is not installed: run `askwell models pull {card.name}`",
        context_window=min(settings.local_context_size, card.context_size),
        threads=settings.local_threads,
        queue_size=settings.local_queue_size,
        chat_format=None,
        prompt_cache_mb=settings.local_prompt_cache_mb,
    )


def create_from_file(model: str, settings: Settings) -> LocalChatModel:
    """ "gguf:/path/to/model.gguf": any GGUF file a user brings (its own chat template is used)."""
    _require_llama_cpp()
    path = Path(model).expanduser()
    return LocalChatModel(
        f"gguf:{path}",
        path,
        missing_hint=f"No model file at {path}",
        context_window=settings.local_context_size,
        threads=settings.local_threads,
        queue_size=settings.local_queue_size,
        chat_format=None,
        prompt_cache_mb=settings.local_prompt_cache_mb,
    )
