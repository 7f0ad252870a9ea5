"""One OpenAI-compatible server as `openai:` chat models and embedders see it.

A model server (llama.cpp's, vLLM, Ollama, OpenAI) has a capacity of its own and is shared by
every API process. Each process keeps at most ASKWELL_OPENAI_MAX_CONCURRENCY requests in
flight to one server, chat streams and embedding batches together; a request that finds every
slot taken waits up to ASKWELL_OPENAI_QUEUE_TIMEOUT_S, then is refused as busy (like the local
model's queue) instead of piling onto a server that is already behind.

Every failure becomes a ModelError whose message names the setting to check. Nothing the
server sends back reaches a message unredacted: the API key never does, nor more than the first
line of the server's own text.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx

from askwell.errors import Invalid, ModelError, Unavailable
from askwell.settings import Settings

T = TypeVar("T")
Kind = Literal["model", "embedding"]

_OPENAI_URL = "https://api.openai.com/v1"
# A refused or dropped connection is tried once more after this pause: nothing reached the model.
_RECONNECT_DELAY_S = 0.2


class RequestLimiter:
    """At most `limit` holders at once; the others wait in arrival order, each up to a deadline.

    Not an asyncio.Semaphore: one limiter serves everything in the process that talks to one
    server, and a Semaphore binds itself to the first event loop it waits on.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, timeout_s: float) -> bool:
        """Take a slot, waiting up to `timeout_s` for one; False when none came free in time."""
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return True
        if timeout_s <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout_s):
                await waiter
        except TimeoutError:
            pass  # unless the slot was handed over at the last moment (checked below)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot while being cancelled: pass it on
            raise
        finally:
            with suppress(ValueError):
                self._waiters.remove(waiter)
        return waiter.done() and not waiter.cancelled()

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue
            try:
                waiter.set_result(None)  # the slot passes straight to the next in line
            except RuntimeError:  # its event loop is gone (a test's); try the next one
                continue
            return
        self.active -= 1


# One limiter per server (and limit) for the whole process: chat models and embedders built by
# different registries share it.
_LIMITERS: dict[tuple[str, int], RequestLimiter] = {}


def _limiter(base_url: str, limit: int) -> RequestLimiter:
    return _LIMITERS.setdefault((base_url, limit), RequestLimiter(limit))


@dataclass
class ModelServer:
    """An OpenAI SDK client with its request limit, and the wording of its errors."""

    client: Any
    kind: Kind
    url_setting: str
    limiter: RequestLimiter
    queue_timeout_s: float
    connect_timeout_s: float
    read_timeout_s: float
    secret: str | None = None

    @asynccontextmanager
    async def slot(self, name: str) -> AsyncIterator[None]:
        """Hold one of the process's request slots for this server, or raise Unavailable (busy)."""
        if not await self.limiter.acquire(self.queue_timeout_s):
            raise Unavailable(
                f"The {self.kind} server for {name} is busy: this process already has "
                f"{self.limiter.limit} requests in flight to it (ASKWELL_OPENAI_MAX_CONCURRENCY); "
                "try again in a moment",
                code="model_busy",
            )
        try:
            yield
        finally:
            self.limiter.release()

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """`request()`, tried once more when the connection failed without an answer.

        A timeout is not retried: the server may still be working on the first request.
        """
        import openai

        try:
            return await request()
        except openai.APITimeoutError:
            raise
        except openai.APIConnectionError:
            await asyncio.sleep(_RECONNECT_DELAY_S)
        return await request()

    def error(self, exc: Exception, *, name: str, model: str, mid_stream: bool = False) -> ModelError:
        """A ModelError saying what to check, for an error of the openai SDK or of the HTTP stream."""
        import openai

        where = f"the {self.kind} server for {name}"
        check = f"check {self.url_setting} and that the server is running"
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            if _is_connect_timeout(exc):
                return ModelError(
                    f"Cannot connect to {where} within {self.connect_timeout_s:g} s "
                    f"(ASKWELL_OPENAI_CONNECT_TIMEOUT_S): {check}"
                )
            waited = "stopped sending the answer" if mid_stream else "did not answer"
            return ModelError(
                f"{_cap(where)} {waited} for {self.read_timeout_s:g} s (ASKWELL_MODEL_TIMEOUT_S): "
                f"check that the server at {self.url_setting} is not overloaded"
            )
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            if mid_stream:
                return ModelError(f"The connection to {where} broke in the middle of the answer: {check}")
            return ModelError(f"Cannot reach {where}: {check}")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelError(f"{_cap(where)} refused the API key: check ASKWELL_OPENAI_API_KEY")
        if isinstance(exc, openai.NotFoundError):
            return ModelError(
                f"{_cap(where)} does not know the model {model!r} "
                f"(or {self.url_setting} lacks the API path, usually /v1)"
            )
        if isinstance(exc, openai.BadRequestError):
            return ModelError(f"{_cap(where)} rejected the request: {self.redact(exc.message)}")
        if isinstance(exc, openai.RateLimitError):
            return ModelError(f"{_cap(where)} is overloaded (HTTP 429); try again in a moment")
        if isinstance(exc, openai.APIStatusError):
            return ModelError(f"{_cap(where)} answered HTTP {exc.status_code}: check its log")
        if isinstance(exc, openai.APIResponseValidationError):
            return self.garbage(name)
        if isinstance(exc, openai.APIError):
            return ModelError(f"{_cap(where)} reported an error: {self.redact(exc.message)}")
        return self.garbage(name)

    def garbage(self, name: str, what: str = "an answer that is not OpenAI-compatible") -> ModelError:
        return ModelError(
            f"The {self.kind} server for {name} sent {what}: check that {self.url_setting} "
            "points at an OpenAI-compatible API (it usually ends in /v1)"
        )

    def redact(self, text: object) -> str:
        """The first line of something the server said, without the API key, at most 200 characters."""
        lines = str(text).strip().splitlines()
        line = lines[0] if lines else ""
        if self.secret:
            line = line.replace(self.secret, "[redacted]")
        return line[:200]


def _is_connect_timeout(exc: BaseException) -> bool:
    # httpx (openai<2) or httpx2 (openai>=3) raise ConnectTimeout; the SDK wraps it as the cause.
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "ConnectTimeout":
            return True
        seen = seen.__cause__
    return False


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def make_client(settings: Settings, *, base_url: str | None = None) -> Any:
    """An AsyncOpenAI client for `base_url` (default ASKWELL_OPENAI_BASE_URL), with our timeouts."""
    try:
        import openai
    except ImportError as exc:
        raise Invalid(
            '"openai:" models need the openai extra: pip install "askwell[openai]"', code="missing_extra"
        ) from exc
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return openai.AsyncOpenAI(
        base_url=base_url or settings.openai_base_url,
        api_key=api_key,
        # `read` bounds each wait for data, so a long answer that keeps streaming never times out.
        timeout=openai.Timeout(settings.model_timeout_s, connect=settings.openai_connect_timeout_s),
        max_retries=0,  # ModelServer.call retries what is safe to retry
    )


def connect(settings: Settings, *, kind: Kind) -> ModelServer:
    """The server for chat models ("model") or embedders ("embedding") in `settings`."""
    url_setting = "ASKWELL_OPENAI_BASE_URL"
    base_url = settings.openai_base_url
    if kind == "embedding" and settings.openai_embedding_base_url:
        url_setting, base_url = "ASKWELL_OPENAI_EMBEDDING_BASE_URL", settings.openai_embedding_base_url
    client = make_client(settings, base_url=base_url)
    return ModelServer(
        client=client,
        kind=kind,
        url_setting=url_setting,
        limiter=_limiter(str(client.base_url or _OPENAI_URL), settings.openai_max_concurrency),
        queue_timeout_s=settings.openai_queue_timeout_s,
        connect_timeout_s=settings.openai_connect_timeout_s,
        read_timeout_s=settings.model_timeout_s,
        secret=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
    )
