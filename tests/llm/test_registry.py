"""Model names, the model registry, and the scripted models the other tests rely on."""

from __future__ import annotations

import pytest

from askwell.errors import Invalid, ModelError
from askwell.llm.base import GenerationOptions, Message, ModelChunk
from askwell.llm.registry import ModelRegistry, check_model_name
from askwell.settings import Settings

MESSAGES = [
    Message(role="system", content="You are terse."),
    Message(role="user", content="my name is Ada"),
    Message(role="assistant", content="Hello Ada."),
    Message(role="user", content="what is my name?"),
]


@pytest.fixture
def registry() -> ModelRegistry:
    return ModelRegistry(Settings(_env_file=None))  # type: ignore[call-arg]


async def collect(registry: ModelRegistry, name: str, max_tokens: int = 1024) -> list[ModelChunk]:
    model = registry.get(name)
    return [chunk async for chunk in model.stream(MESSAGES, GenerationOptions(max_tokens=max_tokens))]


def text_of(chunks: list[ModelChunk]) -> str:
    return "".join(chunk.text for chunk in chunks)


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("scripted:echo", ("scripted", "echo")),
        ("openai:x", ("openai", "x")),
        ("openai:org/model:tag", ("openai", "org/model:tag")),  # only the first colon splits
    ],
)
def test_check_model_name_accepts_provider_and_model(name: str, parts: tuple[str, str]) -> None:
    assert check_model_name(name) == parts


@pytest.mark.parametrize("name", ["nocolon", ":x", "foo:bar", "scripted:", ""])
def test_check_model_name_rejects_bad_names(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_model_name(name)
    assert caught.value.code == "invalid_model"
    assert caught.value.status_code == 422


def test_bad_name_errors_say_how_to_fix_them() -> None:
    with pytest.raises(Invalid, match='must be written "provider:model"'):
        check_model_name("nocolon")
    with pytest.raises(Invalid, match="Unknown model provider 'foo'") as caught:
        check_model_name("foo:bar")
    assert "openai" in caught.value.message and "scripted" in caught.value.message


def test_registry_builds_each_model_once(registry: ModelRegistry) -> None:
    echo = registry.get("scripted:echo")
    assert registry.get("scripted:echo") is echo
    assert echo.name == "scripted:echo"
    slow = registry.get("scripted:slow")
    assert slow is not echo and slow.name == "scripted:slow"


def test_registry_builds_an_openai_model_without_contacting_it(registry: ModelRegistry) -> None:
    # Building the client is lazy: no server is needed until a request is made.
    model = registry.get("openai:gpt-4o-mini")
    assert model.name == "openai:gpt-4o-mini"
    assert registry.get("openai:gpt-4o-mini") is model


def test_registry_rejects_unknown_names(registry: ModelRegistry) -> None:
    with pytest.raises(Invalid, match="Unknown model provider"):
        registry.get("foo:bar")
    with pytest.raises(Invalid, match="Unknown scripted model 'nope'"):
        registry.get("scripted:nope")


async def test_scripted_echo_is_deterministic(registry: ModelRegistry) -> None:
    first = await collect(registry, "scripted:echo")
    second = await collect(registry, "scripted:echo")
    assert first == second
    expected = (
        "You asked: what is my name?. I remember 2 earlier messages. Your first question was: my name is Ada."
    )
    assert text_of(first) == expected
    # Text pieces first, then one final chunk that carries only the usage.
    *pieces, last = first
    assert all(piece.text and piece.usage is None for piece in pieces)
    assert last.text == "" and last.usage is not None
    assert last.usage.completion_tokens == len(pieces)
    assert last.usage.prompt_tokens > 0


async def test_scripted_model_honours_max_tokens(registry: ModelRegistry) -> None:
    chunks = await collect(registry, "scripted:echo", max_tokens=3)
    pieces = [chunk for chunk in chunks if chunk.text]
    assert [piece.text for piece in pieces] == ["You ", "asked: ", "what "]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3


async def test_scripted_fail_raises_after_a_few_chunks(registry: ModelRegistry) -> None:
    received: list[ModelChunk] = []
    with pytest.raises(ModelError, match="failed on purpose") as caught:
        async for chunk in registry.get("scripted:fail").stream(MESSAGES, GenerationOptions()):
            received.append(chunk)
    assert caught.value.code == "model_error"
    assert [chunk.text for chunk in received] == ["You ", "asked: ", "what ", "is "]
    assert all(chunk.usage is None for chunk in received)  # no usage: the answer never finished
