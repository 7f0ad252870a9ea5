"""The embedded llama.cpp model, for real: grounded answers, refusals, language, cancellation.

These load the catalogued default model from the repository's data/models (pulled by
`make run` / `make test`); select them with `-m model`.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from askwell.chat.passage_budget import PassageBudget
from askwell.chat.prompting import Budget, build_prompt
from askwell.errors import Unavailable
from askwell.llm.base import GenerationOptions, Message
from askwell.llm.catalogue import DEFAULT_LOCAL_MODEL
from askwell.llm.local_llama import LocalChatModel
from askwell.llm.registry import ModelRegistry
from askwell.runtime import Runtime
from askwell.settings import Settings
from askwell.turn.answer_checks import AnswerChecks
from askwell.turn.events import Source
from tests.conftest import MODELS_DIR, answer_text, chat, create_assistant, default_model_file, new_session_id

pytestmark = pytest.mark.model


# A small corpus where each answer sits in exactly one known passage.
CORPUS = [
    Source(id="a", name="it-policy.md", type="md",
           content="Laptops must use full-disk encryption. Passwords are rotated every 90 days."),
    Source(id="b", name="offices.html", type="html",
           content="The Zurich office is open from 8:00 to 18:00 on weekdays. Visitors sign in at the desk."),
    Source(id="c", name="handbook.pdf", type="pdf",
           content="Employees receive 25 days of paid vacation per year. Unused days expire on March 31.",
           metadata={"page": 3}),
]  # fmt: skip
GREEDY = GenerationOptions(max_tokens=120, temperature=0.0)
_CITATION = re.compile(r"\[(\d+)\]")
_REFUSAL = re.compile(
    r"(don't|do not|cannot|can't) (know|find|answer)|not (mentioned|provided|contain)|no information", re.I
)


@pytest.fixture(scope="module")
def settings_for_model() -> Settings:
    default_model_file()
    return Settings(
        models_dir=MODELS_DIR, default_model=f"local:{DEFAULT_LOCAL_MODEL}", temperature=0.0, _env_file=None
    )  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def model(settings_for_model: Settings) -> Any:
    return ModelRegistry(settings_for_model).get(f"local:{DEFAULT_LOCAL_MODEL}")


async def _answer(model: Any, question: str, *, language: str | None = None) -> str:
    prompt = build_prompt(
        system_prompt="",
        question=question,
        memory=[],
        sources=CORPUS,
        language=language,
        budget=Budget(model.context_window, GREEDY.max_tokens, model.count_tokens),
    )
    return "".join([c.text async for c in model.stream(prompt.messages, GREEDY)])


async def test_answer_states_the_fact_and_cites_its_passage(model: Any) -> None:
    answer = await _answer(model, "How many days of paid vacation do employees get per year?")
    assert "25" in answer
    assert set(_CITATION.findall(answer)) == {"3"}, answer

    answer = await _answer(model, "When does the Zurich office open?")
    assert "8:00" in answer
    assert set(_CITATION.findall(answer)) == {"2"}, answer


async def test_a_how_to_answer_copies_the_code_of_its_passage(
    model: Any, settings_for_model: Settings
) -> None:
    """A how-to question gets the statement from the passage, not "you can use the following code:"."""
    howto = Source(
        id="d", name="alter.html", type="html",
        content="SQLite supports a limited subset of ALTER TABLE. A new column is always appended to "
        "the end of the list of existing columns.\n\nALTER TABLE employees\n  ADD COLUMN badge_id INTEGER;"
        "\n\nThe column may not have a PRIMARY KEY or UNIQUE constraint.",
    )  # fmt: skip
    options = GenerationOptions(max_tokens=200, temperature=0.0)
    prompt = build_prompt(
        system_prompt="",
        question="How do I add a badge_id column to the employees table?",
        memory=[],
        sources=[howto, *CORPUS],
        language=None,
        budget=Budget(model.context_window, options.max_tokens, model.count_tokens),
        passage_budget=PassageBudget(
            settings_for_model.local_passages, settings_for_model.local_passage_tokens
        ),
    )
    checks = AnswerChecks(instructions=prompt.messages[0].content, source_count=prompt.passages_used)
    answer = "".join([checks.feed(c.text) async for c in model.stream(prompt.messages, options) if c.text])
    answer += checks.flush()
    assert re.search(r"ALTER TABLE employees\s+ADD COLUMN badge_id", answer, re.I), answer
    assert 1 in checks.cited, answer


async def test_unanswerable_question_is_refused_not_invented(model: Any) -> None:
    answer = await _answer(model, "What is the company's parking policy?")
    assert _REFUSAL.search(answer), answer
    assert not _CITATION.findall(answer), answer


async def test_french_language_gives_a_french_answer(model: Any) -> None:
    answer = await _answer(model, "How many days of paid vacation do employees get per year?", language="fr")
    assert "25" in answer
    french = {
        "les",
        "des",
        "sont",
        "est",
        "par",
        "jours",
        "congé",
        "congés",
        "payé",
        "payés",
        "de",
        "la",
        "le",
        "an",
    }
    english = {"the", "are", "every", "days", "paid", "vacation", "per", "year"}
    words = set(re.findall(r"[a-zà-ÿ]+", answer.lower()))
    assert len(words & french) >= 2 and len(words & english) <= 1, answer


async def test_usage_is_reported(model: Any) -> None:
    async def usage(max_tokens: int) -> Any:
        options = GenerationOptions(max_tokens=max_tokens, temperature=0)
        chunks = [c async for c in model.stream([Message("user", "Say OK.")], options)]
        return [c.usage for c in chunks if c.usage][-1]

    ended, cut = await usage(8), await usage(1)
    assert ended.completion_tokens >= 1 and ended.prompt_tokens >= 3
    assert cut.completion_tokens == 1
    # the same prompt counts the same, whether the answer ended by itself or at max_tokens
    assert cut.prompt_tokens == ended.prompt_tokens


async def test_a_prompt_state_survives_a_different_prompt_in_between(model: Any) -> None:
    """The SQL route alternates a long schema prompt and a short answer prompt: the RAM
    cache must hold the long one's state so that the next question reuses its prefix."""
    options = GenerationOptions(max_tokens=4, temperature=0)
    long_prompt = [Message("system", "You write SQLite SQL.\n" + "CREATE TABLE t (id INTEGER);\n" * 60)]

    async def ask(messages: list[Message]) -> str:
        return "".join([c.text async for c in model.stream(messages, options)])

    await ask([*long_prompt, Message("user", "Count the rows of t.")])
    await ask([Message("user", "Say OK.")])
    cache = model._llm.cache
    assert cache is not None
    saved = [len(key) for key in cache.cache_state]
    assert len(saved) >= 2 and max(saved) > 300  # both states kept, the long one included
    assert await ask([*long_prompt, Message("user", "List the ids of t.")])


async def test_serving_warms_the_default_model_and_the_embedder(
    settings_for_model: Settings, tmp_path: Path
) -> None:
    settings = settings_for_model.model_copy(update={"data_dir": tmp_path})
    runtime = await Runtime.start(settings, start_jobs=False)
    try:
        model: Any = runtime.models.get(settings_for_model.default_model)
        assert model._llm is None  # a model loads on first use unless warmed
        await runtime.warm()
        assert model._llm is not None
        assert getattr(runtime.embedders.get(), "_runtime", None) is not None
    finally:
        await runtime.close()


async def test_warming_without_the_model_file_loads_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, default_model=f"local:{DEFAULT_LOCAL_MODEL}", _env_file=None)  # type: ignore[call-arg]
    runtime = await Runtime.start(settings, start_jobs=False)
    try:
        await runtime.warm()  # no model file in tmp_path/models: nothing to load, nothing raised
        model: Any = runtime.models.get(settings.default_model)
        assert model._llm is None
    finally:
        await runtime.close()


async def test_cancelling_a_stream_frees_the_model_quickly(model: Any) -> None:
    long_task = [Message("user", "Write a 500-word essay about the history of the bicycle.")]

    async def first_tokens(stream: AsyncIterator[Any], n: int) -> None:
        count = 0
        async for chunk in stream:
            count += bool(chunk.text)
            if count >= n:
                return

    stream = model.stream(long_task, GenerationOptions(max_tokens=400, temperature=0))
    await first_tokens(stream, 3)
    await stream.aclose()  # what a client disconnect does to the turn
    started = time.perf_counter()
    reply = "".join(
        [c.text async for c in model.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=4))]
    )
    assert reply and time.perf_counter() - started < 15  # not after ~400 more tokens of the essay


async def test_queue_is_bounded(settings_for_model: Settings) -> None:
    small = LocalChatModel(
        "gguf:test",
        default_model_file(),
        missing_hint="",
        context_window=1024,
        threads=0,
        queue_size=1,
        chat_format=None,
    )
    running = small.stream([Message("user", "Count from 1 to 50.")], GenerationOptions(max_tokens=64))
    await running.__anext__()
    with pytest.raises(Unavailable, match="busy"):
        await small.stream([Message("user", "hi")], GenerationOptions(max_tokens=4)).__anext__()
    await running.aclose()
    reply = [c async for c in small.stream([Message("user", "Say OK.")], GenerationOptions(max_tokens=4))]
    assert any(c.text for c in reply)


async def test_missing_model_file_names_the_command(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    registry = ModelRegistry(Settings(models_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    missing = registry.get(f"local:{DEFAULT_LOCAL_MODEL}")
    with pytest.raises(Unavailable, match=f"askwell models pull {DEFAULT_LOCAL_MODEL}"):
        await missing.stream([Message("user", "hi")], GREEDY).__anext__()
    gguf = registry.get(f"gguf:{tmp_path / 'nothing.gguf'}")
    with pytest.raises(Unavailable, match="No model file"):
        await gguf.stream([Message("user", "hi")], GREEDY).__anext__()


async def test_chat_stream_with_the_local_model_end_to_end(
    client: httpx.AsyncClient, admin_headers: dict[str, str], backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the model path does not depend on the database")
    default_model_file()
    assistant = await create_assistant(
        client,
        admin_headers,
        model=f"local:{DEFAULT_LOCAL_MODEL}",
        language="fr",
        system_prompt="You are a concise assistant.",
    )
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="What is the capital of Italy? One sentence.",
    )
    assert [e["type"] for e in events][-1] == "done" and not [e for e in events if e["type"] == "error"]
    answer = answer_text(events)
    assert "Rome" in answer, answer
    assert events[-1]["usage"]["completion_tokens"] > 0 and events[-1]["timings"]["first_token_ms"] > 0
