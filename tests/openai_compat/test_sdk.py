"""The official `openai` Python SDK as the client of /v1, against a real server on 127.0.0.1:
models, completions streamed and not, the `askwell` field, errors as the SDK's exceptions.
The raw frames are checked with plain httpx (the SDK hides `data: [DONE]`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import PASSWORD
from tests.server import running_server

pytestmark = pytest.mark.server


@dataclass
class Instance:
    base_url: str
    key: str
    search_key: str
    user_token: str
    assistant: dict[str, Any]
    failing: dict[str, Any]
    outside: dict[str, Any]

    def client(self, api_key: str | None = None) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.base_url}/v1", api_key=api_key or self.key, max_retries=0)


def _setup(base_url: str) -> Instance:
    with httpx.Client(base_url=base_url, timeout=30, trust_env=False) as http:
        assert http.post(
            "/api/v1/auth/register", json={"email": "admin@example.org", "password": PASSWORD}
        ).is_success
        token = http.post("/api/v1/auth/token", data={"username": "admin@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        suffix = uuid.uuid4().hex[:6]

        def assistant(name: str, model: str) -> dict[str, Any]:
            response = http.post("/api/v1/assistants", json={"name": name, "model": model}, headers=headers)
            assert response.status_code == 201, response.text
            return dict(response.json())

        desk = assistant(f"Support Desk {suffix}", "scripted:echo")
        failing = assistant(f"Broken {suffix}", "scripted:fail")
        outside = assistant(f"Outside {suffix}", "scripted:echo")

        def key(actions: list[str]) -> str:
            body = {"name": "sdk", "assistant_ids": [desk["id"], failing["id"]], "actions": actions}
            response = http.post("/api/v1/api-keys", json=body, headers=headers)
            assert response.status_code == 201, response.text
            return str(response.json()["key"])

        return Instance(
            base_url=base_url,
            key=key(["chat"]),
            search_key=key(["search"]),
            user_token=token.json()["access_token"],
            assistant=desk,
            failing=failing,
            outside=outside,
        )


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    data_dir: Path = tmp_path_factory.mktemp("openai") / "data"
    with running_server(data_dir) as base_url:
        yield _setup(base_url)


def _slug(instance: Instance) -> str:
    return str(instance.assistant["name"]).lower().replace(" ", "-")


def test_models_list_the_assistants_the_caller_may_use(instance: Instance) -> None:
    models = instance.client().models.list()
    assert {m.id for m in models.data} == {
        _slug(instance),
        str(instance.failing["name"]).lower().replace(" ", "-"),
    }
    desk = next(m for m in models.data if m.id == _slug(instance))
    assert desk.object == "model" and desk.owned_by == "askwell"
    assert (desk.model_extra or {})["askwell"]["assistant_id"] == instance.assistant["id"]
    # A user token sees every assistant, the one outside the key's scope too.
    everything = instance.client(api_key=instance.user_token).models.list()
    assert str(instance.outside["name"]).lower().replace(" ", "-") in {m.id for m in everything.data}


def test_completion_by_slug_and_by_id_with_history(instance: Instance) -> None:
    client = instance.client()
    for model in (_slug(instance), instance.assistant["id"]):
        completion = client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "What is Askwell?"},
                {"role": "assistant", "content": "An assistant platform."},
                {"role": "user", "content": "Who runs it?"},
            ],
        )
        assert completion.object == "chat.completion" and completion.model == model
        choice = completion.choices[0]
        assert choice.finish_reason == "stop" and choice.message.role == "assistant"
        assert choice.message.content == (
            "You asked: Who runs it?. I remember 2 earlier messages. "
            "Your first question was: What is Askwell?."
        )
        assert completion.usage is not None and completion.usage.completion_tokens > 0
        assert (
            completion.usage.total_tokens
            == completion.usage.prompt_tokens + completion.usage.completion_tokens
        )
        extension = (completion.model_extra or {})["askwell"]
        assert extension["assistant_id"] == instance.assistant["id"] and extension["sources"] == []
        assert completion.id == f"chatcmpl-{uuid.UUID(extension['message_id']).hex}"


def test_streaming_chunks_end_with_the_extension_and_usage(instance: Instance) -> None:
    stream = instance.client().chat.completions.create(
        model=_slug(instance),
        messages=[{"role": "user", "content": "Stream this"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "You asked: Stream this. I remember 0 earlier messages."
    with_choices = [c for c in chunks if c.choices]
    final = with_choices[-1]
    assert final.choices[0].finish_reason == "stop"
    assert (final.model_extra or {})["askwell"]["session_id"].startswith("oai-")
    assert (
        chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    )
    assert len({c.id for c in chunks}) == 1


def test_raw_frames_end_with_done(instance: Instance) -> None:
    body = {"model": _slug(instance), "messages": [{"role": "user", "content": "raw"}], "stream": True}
    headers = {"Authorization": f"Bearer {instance.key}"}
    with httpx.stream(
        "POST",
        f"{instance.base_url}/v1/chat/completions",
        json=body,
        headers=headers,
        timeout=30,
        trust_env=False,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2].removeprefix("data: "))["choices"][0]["finish_reason"] == "stop"


def test_errors_arrive_as_the_sdks_exceptions(instance: Instance) -> None:
    turn: list[Any] = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.AuthenticationError) as bad_key:
        instance.client(api_key="ak_000000000000_wrong").models.list()
    assert bad_key.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError) as outside:
        instance.client().chat.completions.create(model=instance.outside["id"], messages=turn)
    assert outside.value.code == "model_not_found"
    with pytest.raises(openai.PermissionDeniedError) as search_only:
        instance.client(api_key=instance.search_key).chat.completions.create(
            model=_slug(instance), messages=turn
        )
    assert search_only.value.code == "api_key_action_forbidden"
    with pytest.raises(openai.BadRequestError) as no_question:
        instance.client().chat.completions.create(
            model=_slug(instance), messages=[{"role": "assistant", "content": "hi"}]
        )
    assert no_question.value.code == "no_question"


def test_a_failing_model_is_an_error_streamed_or_not(instance: Instance) -> None:
    turn: list[Any] = [{"role": "user", "content": "please fail"}]
    with pytest.raises(openai.InternalServerError) as plain:
        instance.client().chat.completions.create(model=instance.failing["id"], messages=turn)
    assert plain.value.status_code == 503 and plain.value.code == "model_error"
    stream = instance.client().chat.completions.create(
        model=instance.failing["id"], messages=turn, stream=True
    )
    received: list[str] = []
    with pytest.raises(openai.APIError) as streamed:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "failed on purpose" in streamed.value.message
    assert "".join(received).startswith("You asked:")  # the partial answer came first
