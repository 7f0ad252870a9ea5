"""The `openai:` chat model and embedder against a real llama.cpp server (`python -m llama_cpp.server`).

What tests/llm/test_openai_compat.py and tests/embeddings/test_openai.py check against
hand-made servers, checked here once against the real thing: streaming, usage, embeddings,
the request limit, cancellation, a server that dies mid-answer, and an Askwell app answering
through one. The servers load the default GGUF from data/models (pulled by `make install`);
one chat server and one embedding server serve the whole module, tiny answers keep it short.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from askwell.embeddings import openai_compat as openai_embeddings
from askwell.errors import ModelError, Unavailable
from askwell.llm import openai_compat
from askwell.llm.base import GenerationOptions, Message, ModelChunk
from askwell.settings import Settings
from tests.conftest import IN_CI, answer_text, chat, create_assistant, new_session_id
from tests.llama_server import DEFAULT_GGUF, LlamaServer, missing_reason, running_llama_server

pytestmark = pytest.mark.model

CHAT_ALIAS = "qwen-chat"
EMBEDDING_ALIAS = "qwen-embed"
HIDDEN_SIZE = 1536  # Qwen2.5-1.5B's embedding width: what a mean-pooled vector measures
COUNT = [Message(role="user", content="Count from 1 to 20, separated by spaces.")]
STORY = [Message(role="user", content="Write a long story about a dragon who learns to cook.")]


def _require_llama_server() -> None:
    """Skip when the model or the server's dependencies are missing; fail in CI, where a skip hides a gap."""
    if (reason := missing_reason()) is None:
        return
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    _require_llama_server()
    log = tmp_path_factory.mktemp("llama") / "chat.log"
    with running_llama_server(DEFAULT_GGUF, alias=CHAT_ALIAS, log_path=log) as server:
        yield server


@pytest.fixture(scope="module")
def embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    _require_llama_server()
    log = tmp_path_factory.mktemp("llama") / "embedding.log"
    with running_llama_server(DEFAULT_GGUF, alias=EMBEDDING_ALIAS, embedding=True, log_path=log) as server:
        yield server


def _settings(server: LlamaServer, **overrides: Any) -> Settings:
    return Settings(openai_base_url=server.base_url, model_timeout_s=60, _env_file=None, **overrides)  # type: ignore[call-arg]


def _model(server: LlamaServer, **overrides: Any) -> openai_compat.OpenAIChatModel:
    return openai_compat.create(server.alias, _settings(server, **overrides))


def _options(max_tokens: int) -> GenerationOptions:
    return GenerationOptions(max_tokens=max_tokens, temperature=0.0)


async def _collect(model: Any, messages: list[Message] = COUNT, max_tokens: int = 3) -> list[ModelChunk]:
    return [chunk async for chunk in model.stream(messages, _options(max_tokens))]


async def test_a_real_answer_streams_piece_by_piece_with_usage(chat_server: LlamaServer) -> None:
    model = _model(chat_server)
    arrivals: list[float] = []
    chunks: list[ModelChunk] = []
    async for chunk in model.stream(COUNT, _options(8)):
        arrivals.append(time.perf_counter())
        chunks.append(chunk)
    await model.aclose()
    pieces = [chunk.text for chunk in chunks if chunk.text]
    assert len(pieces) >= 4, pieces
    assert "".join(pieces).split()[:2] == ["1", "2"]
    # Token by token as generated, not one burst at the end.
    assert arrivals[len(pieces) - 1] - arrivals[0] > 0.05
    usage = chunks[-1].usage
    assert usage is not None and not chunks[-1].text
    assert usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 8


async def test_the_embedder_gets_normalised_vectors_of_the_model_width(embedding_server: LlamaServer) -> None:
    settings = Settings(
        openai_base_url="http://127.0.0.1:9/v1",  # not the chat server: the embedding one is used
        openai_embedding_base_url=embedding_server.base_url,
        openai_embedding_batch_size=2,
        model_timeout_s=60,
        _env_file=None,  # type: ignore[call-arg]
    )
    embedder = openai_embeddings.create(EMBEDDING_ALIAS, settings)
    try:
        texts = [
            "The cat sleeps on the mat.",
            "A cat is sleeping on a rug.",
            "Quarterly revenue grew by 8 %.",
        ]
        vectors = await embedder.embed(texts)  # two requests: batches of 2 and 1
        query = await embedder.embed_query(texts[0])
    finally:
        await embedder.aclose()
    assert embedder.dimension == HIDDEN_SIZE
    assert vectors.shape == (3, HIDDEN_SIZE) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.1  # the paraphrase is nearer than the unrelated text
    assert float(query @ vectors[0]) > 0.999  # the same text alone or in a batch


async def test_requests_beyond_the_limit_wait_or_are_refused(chat_server: LlamaServer) -> None:
    """Limit 2: two requests in flight (the server queues the second), a third waits or is refused."""
    patient = _model(chat_server, openai_max_concurrency=2, openai_queue_timeout_s=60)
    impatient = _model(chat_server, openai_max_concurrency=2, openai_queue_timeout_s=0)
    first = patient.stream(COUNT, _options(4))
    assert (await anext(first)).text
    second = asyncio.create_task(_collect(patient))
    await asyncio.sleep(0.1)  # it holds the second slot, its request queued at the server
    with pytest.raises(Unavailable) as caught:
        await _collect(impatient)
    assert caught.value.code == "model_busy"
    third = asyncio.create_task(_collect(patient))  # waits for a slot this time
    rest = [chunk async for chunk in first]
    answers = await asyncio.wait_for(asyncio.gather(second, third), timeout=60)
    for chunks in (rest, *answers):
        assert chunks[-1].usage is not None  # each finished: none was cut short
    await patient.aclose()
    await impatient.aclose()


async def test_a_cancelled_stream_frees_the_server_at_once(chat_server: LlamaServer) -> None:
    model = _model(chat_server)
    long_answer = model.stream(STORY, _options(400))
    assert (await anext(long_answer)).text is not None
    await long_answer.aclose()  # the client went away: the server must stop generating
    started = time.perf_counter()
    chunks = await _collect(model, max_tokens=2)
    # Had the server kept writing the story, this would wait behind up to 400 tokens (40 s
    # on 2 idle cores, minutes on busy ones); the server's log says it saw the disconnect.
    assert time.perf_counter() - started < 30
    assert chunks[-1].usage is not None
    assert "Disconnected from client" in chat_server.log_path.read_text(errors="replace")
    await model.aclose()


@pytest.fixture
def settings(settings: Settings, chat_server: LlamaServer) -> Settings:
    """The conftest app, its default model served by the llama.cpp server."""
    return settings.model_copy(
        update={
            "default_model": f"openai:{CHAT_ALIAS}",
            "openai_base_url": chat_server.base_url,
            "max_answer_tokens": 16,
            "model_timeout_s": 60.0,
        }
    )


@pytest.mark.parametrize("backend", ["sqlite"])  # the model path, not the database, is under test
async def test_an_assistant_on_an_openai_model_answers_over_the_api(
    client: Any, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="Say hello in one short sentence.",
        headers=admin_headers,
    )
    types = [event["type"] for event in events]
    assert "error" not in types, events
    assert types[0] == "start" and types[-1] == "done"
    assert answer_text(events).strip()
    assert events[-1]["usage"]["completion_tokens"] > 0
    models = {e["metadata"].get("model") for e in events if e["type"] == "step"}
    assert f"openai:{CHAT_ALIAS}" in models


# --- a server for each test, to be interrupted or killed ---------------------------------


@pytest.fixture
def doomed_server(tmp_path: Path) -> Iterator[LlamaServer]:
    """llama.cpp's server with its defaults: a new request interrupts the stream in progress."""
    _require_llama_server()
    log = tmp_path / "doomed.log"
    with running_llama_server(
        DEFAULT_GGUF, alias=CHAT_ALIAS, interrupt_requests=True, log_path=log
    ) as server:
        yield server


async def test_an_answer_the_server_interrupts_is_an_error_not_a_short_answer(
    doomed_server: LlamaServer,
) -> None:
    model = _model(doomed_server, openai_max_concurrency=2)
    first = model.stream(STORY, _options(400))
    assert (await anext(first)).text is not None
    second = asyncio.create_task(_collect(model, max_tokens=2))
    with pytest.raises(ModelError, match="before it was finished") as caught:
        async for _chunk in first:
            pass
    assert "--interrupt_requests false" in caught.value.message
    assert (await asyncio.wait_for(second, timeout=60))[-1].usage is not None
    await model.aclose()


async def test_a_server_killed_mid_answer_is_a_model_error_and_then_fails_fast(
    doomed_server: LlamaServer,
) -> None:
    model = _model(doomed_server, openai_api_key="sk-never-shown")
    stream = model.stream(STORY, _options(400))
    assert (await anext(stream)).text is not None
    doomed_server.kill()
    started = time.perf_counter()
    with pytest.raises(ModelError) as broken:
        async for _chunk in stream:
            pass
    assert time.perf_counter() - started < 5  # not a wait for ASKWELL_MODEL_TIMEOUT_S (60 s)
    assert "ASKWELL_OPENAI_BASE_URL" in broken.value.message

    started = time.perf_counter()
    with pytest.raises(ModelError, match="Cannot reach the model server") as gone:
        await _collect(model)
    assert time.perf_counter() - started < 3
    for message in (broken.value.message, gone.value.message):
        assert "sk-never-shown" not in message and "Traceback" not in message
    await model.aclose()
