"""LiteLLM, a popular client library that speaks OpenAI's Chat Completions, as the client of /v1
against a real server on 127.0.0.1 (its `openai/` provider with `api_base`): completions
streamed and not, the `[n]` citations in the text, the `askwell` extension field, and
Askwell's errors as LiteLLM's own exceptions.

LiteLLM runs offline here: its tokenizers ship in the package (it points tiktoken's cache at
them), and LITELLM_OFFLINE_MODE keeps it from fetching its model price list at import.
"""

from __future__ import annotations

import os

# Before the import: LiteLLM fetches its price list from the network when it is imported.
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import litellm
import pytest

from tests.conftest import PASSWORD
from tests.server import running_server

pytestmark = pytest.mark.server

DOCUMENT = b"The Askwell refund policy: customers may return any item within 30 days for a full refund."
QUESTION = [{"role": "user", "content": "What is the refund policy?"}]


@dataclass
class Instance:
    base_url: str
    key: str
    desk: str  # the model name of an assistant with one document: its answers cite it
    outside: str  # an assistant outside the key's scope

    def call(self, model: str | None = None, *, api_key: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """LiteLLM's arguments for Askwell: its generic OpenAI-compatible provider, no retries."""
        return {
            "model": f"openai/{model or self.desk}",
            "api_base": f"{self.base_url}/v1",
            "api_key": api_key or self.key,
            "num_retries": 0,
            **kwargs,
        }


def _setup(base_url: str) -> Instance:
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as http:
        assert http.post(
            "/api/v1/auth/register", json={"email": "admin@example.org", "password": PASSWORD}
        ).is_success
        token = http.post("/api/v1/auth/token", data={"username": "admin@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        suffix = uuid.uuid4().hex[:6]

        def assistant(name: str) -> dict[str, Any]:
            body = {"name": name, "model": "scripted:echo"}
            response = http.post("/api/v1/assistants", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return dict(response.json())

        desk, outside = assistant(f"Policy Desk {suffix}"), assistant(f"Outside {suffix}")
        folder = http.post(
            f"/api/v1/assistants/{desk['id']}/connectors", json={"type": "documents"}, headers=headers
        ).json()
        files = [("files", ("refunds.txt", DOCUMENT, "text/plain"))]
        uploaded = http.post(f"/api/v1/connectors/{folder['id']}/documents", files=files, headers=headers)
        assert uploaded.status_code == 202, uploaded.text
        deadline = time.monotonic() + 120
        while True:  # ingestion runs in the background: the answers cite the document once it is in
            documents = http.get(f"/api/v1/connectors/{folder['id']}/documents", headers=headers).json()
            if all(d["status"] == "ready" for d in documents):
                break
            assert time.monotonic() < deadline and all(d["status"] != "failed" for d in documents), documents
            time.sleep(0.2)
        body = {"name": "litellm", "assistant_ids": [desk["id"]], "actions": ["chat"]}
        key = http.post("/api/v1/api-keys", json=body, headers=headers)
        assert key.status_code == 201, key.text
        return Instance(base_url=base_url, key=key.json()["key"], desk=desk["id"], outside=outside["id"])


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    litellm.suppress_debug_info = True  # its "Give Feedback" banner on every error
    data_dir: Path = tmp_path_factory.mktemp("litellm") / "data"
    with running_server(data_dir) as base_url:
        yield _setup(base_url)


def _cites_the_document(text: str, extension: dict[str, Any]) -> None:
    assert text.startswith("You asked: What is the refund policy?") and "[1]" in text, text
    (source, *_) = extension["sources"]
    assert source["name"] == "refunds.txt" and "30 days" in source["content"]


def test_a_completion_cites_its_sources_in_the_text_and_the_extension(instance: Instance) -> None:
    response = litellm.completion(**instance.call(messages=QUESTION))
    assert isinstance(response, litellm.ModelResponse)
    choice = response.choices[0]
    assert isinstance(choice, litellm.Choices) and choice.finish_reason == "stop"
    text = choice.message.content or ""
    # LiteLLM keeps a response's unknown top-level fields as attributes of its ModelResponse.
    extension = response.askwell
    _cites_the_document(text, extension)
    assert extension["assistant_id"] == instance.desk and extension["sql"] is None
    assert response.id == f"chatcmpl-{uuid.UUID(extension['message_id']).hex}"
    usage = response.usage  # type: ignore[attr-defined]
    assert usage.completion_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_a_stream_cites_its_sources_and_ends_with_the_extension(instance: Instance) -> None:
    stream = await litellm.acompletion(
        **instance.call(messages=QUESTION, stream=True, stream_options={"include_usage": True})
    )
    chunks = [chunk async for chunk in stream]
    assert len(chunks) > 2 and len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    [final] = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    # And a stream chunk's unknown fields as attributes of its ModelResponseStream: on the final one.
    _cites_the_document(text, final.askwell)
    assert final.askwell["session_id"].startswith("oai-")
    # The stream's text is the whole answer: the same as a completion's.
    whole = litellm.completion(**instance.call(messages=QUESTION))
    assert text == whole.choices[0].message.content  # type: ignore[union-attr]


def test_askwell_errors_are_litellms_exceptions(instance: Instance) -> None:
    with pytest.raises(litellm.AuthenticationError) as wrong_key:
        litellm.completion(**instance.call(api_key="ak_000000000000_wrong", messages=QUESTION))
    assert wrong_key.value.status_code == 401 and "Invalid API key" in wrong_key.value.message
    with pytest.raises(litellm.NotFoundError) as outside:
        litellm.completion(**instance.call(instance.outside, messages=QUESTION))
    assert outside.value.status_code == 404
