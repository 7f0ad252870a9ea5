"""The "openai:" provider against a real local HTTP server speaking the chat-completions
streaming protocol (server-sent events), started by each test on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from askwell.errors import ModelError
from askwell.llm import openai_compat
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage
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


def make_model(port: int, **settings: Any) -> openai_compat.OpenAIChatModel:
    return openai_compat.create(
        "test-model",
        Settings(openai_base_url=f"http://127.0.0.1:{port}/v1", _env_file=None, **settings),  # type: ignore[call-arg]
    )


async def collect(model: openai_compat.OpenAIChatModel, max_tokens: int = 64) -> list[ModelChunk]:
    return [chunk async for chunk in model.stream(MESSAGES, GenerationOptions(max_tokens=max_tokens))]


def _chunk(delta: dict[str, Any] | None, usage: dict[str, int] | None = None) -> bytes:
    payload = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": None}],
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
