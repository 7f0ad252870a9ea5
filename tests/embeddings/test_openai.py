"""The openai: embedder against a real (tiny) OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from askwell.embeddings import openai_compat
from askwell.embeddings.openai_compat import OpenAIEmbedder
from askwell.errors import ModelError
from askwell.settings import Settings
from tests.server import JsonHandler

# Deliberately not unit length: the embedder must normalise.
VECTORS = {"alpha": [3.0, 4.0, 0.0], "beta": [0.0, 0.0, 2.0], "gamma": [1.0, 1.0, 1.0], "": [0.0, 5.0, 0.0]}


class _Server(ThreadingHTTPServer):
    requests: list[dict[str, Any]]


class _Handler(JsonHandler):
    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        if self.path != "/v1/embeddings" or body["model"] == "missing":
            self._send(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
            return
        if body["model"] == "html":
            self._send_raw(200, "text/html", b"<html><body>It works!</body></html>")
            return
        if body["model"] == "rejects":
            self._send(400, {"error": {"message": f"bad input, key={self.headers['Authorization']}"}})
            return
        inputs = body["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": VECTORS.get(text, [1.0, 0.0, 0.0])}
            for i, text in enumerate(inputs)
        ]
        if body["model"] == "short":
            data = data[:-1]
        if body["model"] == "per-token":  # llama.cpp's server with a model that does not pool
            data = [{**item, "embedding": [item["embedding"]] * 2} for item in data]
        if body["model"] == "base64":  # a server that ignores encoding_format
            data = [{**item, "embedding": "AACAPwAAAAA="} for item in data]
        # Reversed on purpose: order must come from "index", not from the list.
        self._send(200, {"object": "list", "model": body["model"], "data": data[::-1]})


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _settings(base_url: str, **settings: Any) -> Settings:
    return Settings(
        openai_base_url=base_url,
        openai_embedding_batch_size=2,
        model_timeout_s=5,
        _env_file=None,  # type: ignore[call-arg]
        **settings,
    )


@pytest.fixture
async def make(server: _Server) -> AsyncIterator[Any]:
    made: list[OpenAIEmbedder] = []
    server.requests.clear()

    def _make(model: str, base_url: str | None = None, **settings: Any) -> OpenAIEmbedder:
        url = base_url or f"http://127.0.0.1:{server.server_address[1]}/v1"
        made.append(openai_compat.create(model, _settings(url, **settings)))
        return made[-1]

    yield _make
    for embedder in made:
        await embedder.aclose()


async def test_vectors_are_normalised_and_in_order(make: Any, server: _Server) -> None:
    embedder = make("tiny")
    texts = ["gamma", "alpha", "beta", "alpha", ""]
    vectors = await embedder.embed(texts)
    expected = np.array([VECTORS[t] for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    # batch size 2: three requests, each asking for plain floats
    assert [r["input"] for r in server.requests] == [["gamma", "alpha"], ["beta", "alpha"], [""]]
    assert {r["encoding_format"] for r in server.requests} == {"float"}
    assert embedder.dimension == 3


async def test_dimension_of_an_unknown_model_is_learned_on_load(make: Any) -> None:
    embedder = make("tiny")
    with pytest.raises(RuntimeError, match="load"):
        _ = embedder.dimension
    await embedder.load()
    assert embedder.dimension == 3
    assert (await embedder.embed([])).shape == (0, 3)
    np.testing.assert_allclose(await embedder.embed_query("alpha"), [0.6, 0.8, 0.0], atol=1e-6)


async def test_wrong_dimension_for_a_known_model_is_an_error(make: Any) -> None:
    embedder = make("text-embedding-3-small")
    with pytest.raises(ModelError, match="expected 1536"):
        await embedder.embed(["alpha"])


async def test_missing_vectors_are_an_error(make: Any) -> None:
    with pytest.raises(ModelError, match=r"1 vectors .* for 2 texts"):
        await make("short").embed(["alpha", "beta"])


async def test_unknown_model_is_a_model_error(make: Any) -> None:
    with pytest.raises(ModelError, match="does not know the model 'missing'"):
        await make("missing").embed(["alpha"])


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def test_dead_port_is_a_model_error(make: Any) -> None:
    with pytest.raises(ModelError, match="Cannot reach the embedding server") as caught:
        await make("tiny", _dead_url()).embed(["alpha"])
    assert "ASKWELL_OPENAI_BASE_URL" in caught.value.message


async def test_the_embedding_base_url_overrides_the_chat_one(make: Any, server: _Server) -> None:
    live = f"http://127.0.0.1:{server.server_address[1]}/v1"
    assert (await make("tiny", _dead_url(), openai_embedding_base_url=live).embed(["alpha"])).shape == (1, 3)
    with pytest.raises(ModelError) as caught:
        await make("tiny", live, openai_embedding_base_url=_dead_url()).embed(["alpha"])
    assert "ASKWELL_OPENAI_EMBEDDING_BASE_URL" in caught.value.message


async def test_a_vector_per_token_is_an_error_that_says_to_pool(make: Any) -> None:
    with pytest.raises(ModelError, match="a vector per token") as caught:
        await make("per-token").embed(["alpha", "beta"])
    assert "pooling_type" in caught.value.message


@pytest.mark.parametrize("model", ["html", "base64"])
async def test_garbage_is_a_model_error(make: Any, model: str) -> None:
    with pytest.raises(ModelError, match=r"OpenAI-compatible|wrong shape"):
        await make(model).embed(["alpha"])


async def test_a_rejection_never_echoes_the_api_key(make: Any) -> None:
    with pytest.raises(ModelError, match="rejected the request") as caught:
        await make("rejects", openai_api_key="sk-embed-secret").embed(["alpha"])
    assert "sk-embed-secret" not in caught.value.message
    assert "[redacted]" in caught.value.message
