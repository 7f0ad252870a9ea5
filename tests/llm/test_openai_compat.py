"""The "openai:" provider against a real local HTTP server speaking the chat-completions
streaming protocol (server-sent events), started by each test on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest

from askwell.embeddings import openai_compat as openai_embeddings
from askwell.errors import ModelError, Unavailable
from askwell.llm import openai_compat
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
from askwell.openai_client import RequestLimiter
from askwell.settings import Settings

MESSAGES = [Message(role="system", content="Be brief."), Message(role="user", content="Say hello")]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class FakeOpenAI:
    """A minimal HTTP/1.1 server: records each request, then answers with `reply`."""

    reply: Reply
    requests: list[Request] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.strip().split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Request(method, path, headers, json.loads(raw) if raw else {}))
            await self.reply(reader, writer)
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], Awaitable[FakeOpenAI]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> FakeOpenAI:
        fake = FakeOpenAI(reply)
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        servers.append(server)
        fake.port = server.sockets[0].getsockname()[1]
        return fake

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _settings(port: int, **settings: Any) -> Settings:
    return Settings(openai_base_url=f"http://127.0.0.1:{port}/v1", _env_file=None, **settings)  # type: ignore[call-arg]


def make_model(port: int, **settings: Any) -> openai_compat.OpenAIChatModel:
    return openai_compat.create("test-model", _settings(port, **settings))


async def collect(model: openai_compat.OpenAIChatModel, max_tokens: int = 64) -> list[ModelChunk]:
    return [chunk async for chunk in model.stream(MESSAGES, GenerationOptions(max_tokens=max_tokens))]


def _chunk(
    delta: dict[str, Any] | None, usage: dict[str, int] | None = None, finish: str | None = None
) -> bytes:
    payload = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": usage,
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


SSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"


async def stream_hello(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(SSE_HEAD)
    writer.write(_chunk({"role": "assistant", "content": ""}))
    for piece in ("Hel", "lo", " there"):
        writer.write(_chunk({"content": piece}))
        await writer.drain()
    writer.write(_chunk({}, finish="stop"))
    writer.write(_chunk(None, usage={"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}))
    writer.write(b"data: [DONE]\n\n")
    await writer.drain()


def json_reply(status: str, body: dict[str, Any]) -> Reply:
    async def reply(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raw = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + raw
        )
        await writer.drain()

    return reply


async def test_streamed_text_and_usage_arrive_as_chunks(serve: Any) -> None:
    server = await serve(stream_hello)
    chunks = await collect(make_model(server.port))
    assert chunks == [
        ModelChunk(text="Hel"),
        ModelChunk(text="lo"),
        ModelChunk(text=" there"),
        ModelChunk(usage=Usage(prompt_tokens=11, completion_tokens=3)),
    ]


async def test_the_request_carries_model_messages_and_limits(serve: Any) -> None:
    server = await serve(stream_hello)
    await collect(make_model(server.port, openai_api_key="sk-test-123"), max_tokens=42)
    assert len(server.requests) == 1
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test-123"
    body = request.body
    assert body["model"] == "test-model"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello"},
    ]
    assert body["stream"] is True
    assert body["max_tokens"] == 42
    assert body["stream_options"] == {"include_usage": True}


async def test_a_refused_api_key_names_the_setting(serve: Any) -> None:
    server = await serve(
        json_reply("401 Unauthorized", {"error": {"message": "Incorrect API key", "code": "invalid_api_key"}})
    )
    with pytest.raises(ModelError) as caught:
        await collect(make_model(server.port, openai_api_key="sk-wrong"))
    assert "API key" in caught.value.message
    assert "ASKWELL_OPENAI_API_KEY" in caught.value.message
    assert "sk-wrong" not in caught.value.message  # never echo the secret
    assert len(server.requests) == 1  # an auth failure is not retried


async def test_an_unknown_model_is_reported_by_name(serve: Any) -> None:
    server = await serve(json_reply("404 Not Found", {"error": {"message": "model not found"}}))
    with pytest.raises(ModelError, match="does not know the model 'test-model'"):
        await collect(make_model(server.port))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_nothing_listening_fails_fast_naming_the_base_url_setting() -> None:
    started = time.perf_counter()
    with pytest.raises(ModelError) as caught:
        await collect(make_model(_free_port()))
    assert time.perf_counter() - started < 5
    assert "ASKWELL_OPENAI_BASE_URL" in caught.value.message
    assert caught.value.code == "model_error"


async def test_a_server_that_never_answers_times_out(serve: Any) -> None:
    async def hang(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes

    server = await serve(hang)
    started = time.perf_counter()
    with pytest.raises(ModelError):
        await collect(make_model(server.port, model_timeout_s=0.3))
    assert time.perf_counter() - started < 5


async def test_stopping_early_closes_the_connection(serve: Any) -> None:
    """A client that goes away must stop the generation: the server sees its connection close."""
    closed = asyncio.Event()

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk({"content": "first"}))
        await writer.drain()
        await reader.read()  # returns at EOF, when the client has closed the connection
        closed.set()

    server = await serve(endless)
    stream = make_model(server.port).stream(MESSAGES, GenerationOptions())
    first = await anext(stream)
    assert first.text == "first"
    await stream.aclose()
    await asyncio.wait_for(closed.wait(), timeout=3)


async def test_a_connection_dropped_mid_stream_is_a_model_error(serve: Any) -> None:
    async def drop(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Chunked framing, then a hang-up before the terminating chunk: a truncated answer.
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        data = _chunk({"content": "partial"})
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()

    server = await serve(drop)
    received: list[ModelChunk] = []
    with pytest.raises(ModelError):
        async for chunk in make_model(server.port).stream(MESSAGES, GenerationOptions()):
            received.append(chunk)
    assert received == [ModelChunk(text="partial")]


def raw_reply(status: str, content_type: str, body: bytes) -> Reply:
    async def reply(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()

    return reply


def held_stream(release: asyncio.Event) -> Reply:
    """One piece at once, the rest of the answer when `release` is set."""

    async def reply(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk({"content": "first"}))
        await writer.drain()
        await release.wait()
        writer.write(_chunk({"content": " done"}, finish="stop") + b"data: [DONE]\n\n")
        await writer.drain()

    return reply


async def test_a_stream_cut_before_its_finish_reason_is_a_model_error(serve: Any) -> None:
    """What llama.cpp's server does to a stream when another request arrives (interrupt_requests)."""

    async def cut(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk({"content": "partial"}) + b"data: [DONE]\n\n")
        await writer.drain()

    server = await serve(cut)
    received: list[ModelChunk] = []
    with pytest.raises(ModelError, match="before it was finished") as caught:
        async for chunk in make_model(server.port).stream(MESSAGES, GenerationOptions()):
            received.append(chunk)
    assert received == [ModelChunk(text="partial")]
    assert "--interrupt_requests false" in caught.value.message


async def test_usage_is_estimated_when_the_server_reports_none(serve: Any) -> None:
    async def no_usage(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk({"content": "Hi"}) + _chunk({"content": " you"}, finish="stop"))
        writer.write(b"data: [DONE]\n\n")
        await writer.drain()

    server = await serve(no_usage)
    chunks = await collect(make_model(server.port))
    assert [c.text for c in chunks[:-1]] == ["Hi", " you"]
    prompt = sum(estimate_tokens(m.content) for m in MESSAGES)
    assert chunks[-1] == ModelChunk(usage=Usage(prompt_tokens=prompt, completion_tokens=2))


@pytest.mark.parametrize(
    "reply",
    [
        raw_reply("200 OK", "text/html", b"<html><body>Welcome to nginx!</body></html>"),
        raw_reply("200 OK", "text/event-stream", b"data: <html>oops</html>\n\n"),
        raw_reply("200 OK", "text/event-stream", b'data: {"choices": "nope"}\n\n'),
        raw_reply("200 OK", "text/event-stream", b'data: {"choices": [{"delta": {"content": 7}}]}\n\n'),
    ],
    ids=["html-page", "not-json", "no-choice-list", "content-not-text"],
)
async def test_garbage_is_a_model_error_naming_the_base_url(serve: Any, reply: Reply) -> None:
    server = await serve(reply)
    with pytest.raises(ModelError) as caught:
        await collect(make_model(server.port))
    assert "ASKWELL_OPENAI_BASE_URL" in caught.value.message
    assert "OpenAI-compatible" in caught.value.message


async def test_a_stall_mid_stream_times_out_as_a_model_error(serve: Any) -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(SSE_HEAD + _chunk({"content": "first"}))
        await writer.drain()
        await reader.read()  # until the client gives up

    server = await serve(stall)
    received: list[ModelChunk] = []
    started = time.perf_counter()
    with pytest.raises(ModelError, match=r"stopped sending the answer for 0.3 s \(ASKWELL_MODEL_TIMEOUT_S\)"):
        async for chunk in make_model(server.port, model_timeout_s=0.3).stream(MESSAGES, GenerationOptions()):
            received.append(chunk)
    assert time.perf_counter() - started < 3
    assert received == [ModelChunk(text="first")]


async def test_server_text_in_a_message_is_one_line_without_the_api_key(serve: Any) -> None:
    body = {"error": {"message": "bad request from key sk-secret-42\nTraceback (most recent call last):"}}
    server = await serve(json_reply("400 Bad Request", body))
    with pytest.raises(ModelError) as caught:
        await collect(make_model(server.port, openai_api_key="sk-secret-42"))
    assert "sk-secret-42" not in caught.value.message
    assert "[redacted]" in caught.value.message
    assert "Traceback" not in caught.value.message


async def test_a_server_error_names_its_status_not_its_body(serve: Any) -> None:
    server = await serve(raw_reply("500 Internal Server Error", "text/plain", b"Traceback: boom"))
    with pytest.raises(ModelError, match="answered HTTP 500") as caught:
        await collect(make_model(server.port))
    assert "Traceback" not in caught.value.message


@contextmanager
def _listener_that_never_accepts() -> Iterator[int]:
    """A port whose accept queue is full: the kernel drops further SYNs, so connecting hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        fillers = []
        try:
            for _ in range(4):
                filler = socket.socket()
                filler.setblocking(False)
                with suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
                fillers.append(filler)
            yield port
        finally:
            for filler in fillers:
                filler.close()


async def test_a_server_that_does_not_accept_hits_the_connect_timeout() -> None:
    with _listener_that_never_accepts() as port:
        started = time.perf_counter()
        with pytest.raises(ModelError) as caught:
            await collect(make_model(port, openai_connect_timeout_s=0.3, model_timeout_s=30))
        elapsed = time.perf_counter() - started
    assert elapsed < 3  # the connect timeout, not the 30 s read timeout
    assert "within 0.3 s (ASKWELL_OPENAI_CONNECT_TIMEOUT_S)" in caught.value.message
    assert "ASKWELL_OPENAI_BASE_URL" in caught.value.message


# --- the per-process limit on requests in flight ------------------------------------------


async def test_a_request_beyond_the_limit_is_refused_as_busy(serve: Any) -> None:
    release = asyncio.Event()
    server = await serve(held_stream(release))
    model = make_model(server.port, openai_max_concurrency=1, openai_queue_timeout_s=0)
    first = model.stream(MESSAGES, GenerationOptions())
    assert (await anext(first)).text == "first"
    with pytest.raises(Unavailable) as caught:
        await collect(model)
    assert caught.value.code == "model_busy"
    assert "busy" in caught.value.message and "ASKWELL_OPENAI_MAX_CONCURRENCY" in caught.value.message
    assert len(server.requests) == 1  # refused before reaching the server
    release.set()
    rest = [c.text async for c in first]
    assert rest[0] == " done"
    assert [c.text for c in await collect(model)][:2] == ["first", " done"]  # the slot is free again


async def test_a_request_beyond_the_limit_waits_for_a_free_slot(serve: Any) -> None:
    release = asyncio.Event()
    server = await serve(held_stream(release))
    model = make_model(server.port, openai_max_concurrency=1, openai_queue_timeout_s=5)
    first = model.stream(MESSAGES, GenerationOptions())
    await anext(first)
    second = asyncio.create_task(collect(model))
    await asyncio.sleep(0.2)
    assert not second.done() and len(server.requests) == 1
    release.set()
    rest = [c.text async for c in first]
    assert rest[0] == " done"
    chunks = await asyncio.wait_for(second, timeout=5)
    assert [c.text for c in chunks][:2] == ["first", " done"]
    assert len(server.requests) == 2


async def test_waiting_for_a_slot_ends_after_the_queue_timeout(serve: Any) -> None:
    server = await serve(held_stream(asyncio.Event()))
    model = make_model(server.port, openai_max_concurrency=1, openai_queue_timeout_s=0.3)
    first = model.stream(MESSAGES, GenerationOptions())
    await anext(first)
    started = time.perf_counter()
    with pytest.raises(Unavailable, match="busy"):
        await collect(model)
    assert 0.25 < time.perf_counter() - started < 3
    await first.aclose()


async def test_closed_and_cancelled_requests_give_their_slots_back(serve: Any) -> None:
    release = asyncio.Event()
    server = await serve(held_stream(release))
    model = make_model(server.port, openai_max_concurrency=1, openai_queue_timeout_s=5)
    first = model.stream(MESSAGES, GenerationOptions())
    await anext(first)
    waiting = asyncio.create_task(collect(model))
    await asyncio.sleep(0.1)
    waiting.cancel()
    with suppress(asyncio.CancelledError):
        await waiting
    await first.aclose()  # the client went away mid-answer
    release.set()
    impatient = make_model(server.port, openai_max_concurrency=1, openai_queue_timeout_s=0)
    assert [c.text for c in await collect(impatient)][:2] == ["first", " done"]


async def test_chat_and_embeddings_share_the_limit_of_one_server(serve: Any) -> None:
    server = await serve(held_stream(asyncio.Event()))
    settings = _settings(server.port, openai_max_concurrency=1, openai_queue_timeout_s=0)
    first = openai_compat.create("test-model", settings).stream(MESSAGES, GenerationOptions())
    await anext(first)
    embedder = openai_embeddings.create("test-embedder", settings)
    try:
        with pytest.raises(Unavailable) as caught:
            await embedder.embed(["hello"])
        assert caught.value.code == "model_busy"
        assert "embedding server for openai:test-embedder is busy" in caught.value.message
    finally:
        await first.aclose()
        await embedder.aclose()


async def test_the_limiter_serves_waiters_in_order_and_skips_cancelled_ones() -> None:
    limiter = RequestLimiter(1)
    assert await limiter.acquire(0)
    order: list[str] = []

    async def wait(name: str) -> None:
        assert await limiter.acquire(5)
        order.append(name)

    a, b, c = (asyncio.create_task(wait(name)) for name in "abc")
    await asyncio.sleep(0.05)
    a.cancel()
    await asyncio.sleep(0)
    limiter.release()
    await asyncio.sleep(0.05)
    limiter.release()
    await asyncio.gather(b, c)
    assert order == ["b", "c"]
    limiter.release()
    assert limiter.active == 0
    with suppress(asyncio.CancelledError):
        await a
