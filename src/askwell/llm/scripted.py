"""Deterministic chat models for smoke tests and benchmarks ("scripted:echo", "slow", "fail", "overcite").

They answer from the messages they are given, so a test can see what context a turn
received: the question, how many earlier messages were remembered, and the first of them.
Behaviour a test needs beyond these belongs in the test, as a `function:` model.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

from askwell.errors import Invalid, ModelError
from askwell.llm.base import GenerationOptions, Message
from askwell.llm.function import FunctionModel, Reply
from askwell.settings import Settings

_PASSAGE = re.compile(r"^\[1\] (.+)$", re.M)
_WORD = re.compile(r"\S+\s*")


def compose_answer(messages: list[Message], *, bogus_citation: bool = False) -> str:
    """The deterministic answer: what was asked, what earlier turns were remembered and,
    when the prompt has passages, the start of the first one, cited as [1]."""
    turns = [m for m in messages if m.role != "system"]
    question = _question_of(turns[-1].content) if turns else ""
    earlier_user = [m.content for m in turns[:-1] if m.role == "user"]
    answer = f"You asked: {question}. I remember {len(turns) - 1} earlier messages."
    if earlier_user:
        answer += f" Your first question was: {earlier_user[0]}."
    passages = _PASSAGE.findall(turns[-1].content) if turns else []
    if passages:
        answer += f" From the passages: {' '.join(passages[0].split()[:20])} [1]."
    if bogus_citation:
        answer += " See also [99]."
    return answer


def _question_of(user_message: str) -> str:
    """The question inside a prompt's last user message (without passages or language hints)."""
    question = user_message.rsplit("Question: ", 1)[-1]
    return question.split("\n", 1)[0] if "Question: " in user_message else question.split("\n\n", 1)[0]


def _echo(messages: list[Message], options: GenerationOptions) -> Reply:
    return compose_answer(messages)


def _long(messages: list[Message], options: GenerationOptions) -> Reply:
    return " ".join([compose_answer(messages)] * 20)


def _overcite(messages: list[Message], options: GenerationOptions) -> Reply:
    return compose_answer(messages, bogus_citation=True)


async def _failing(messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]:
    for index, piece in enumerate(_WORD.findall(compose_answer(messages))):
        if index == 4:
            raise ModelError("The scripted model failed on purpose")
        yield piece


# name -> (reply function, pause before each word in seconds)
_SCRIPTS: dict[str, tuple[Callable[[list[Message], GenerationOptions], Reply], float]] = {
    "echo": (_echo, 0.0),
    "slow": (_long, 0.02),
    "fail": (_failing, 0.0),
    "overcite": (_overcite, 0.0),
}
SCRIPT_NAMES = tuple(_SCRIPTS)


def create(model: str, settings: Settings) -> FunctionModel:
    if model not in _SCRIPTS:
        raise Invalid(
            f"Unknown scripted model {model!r}; known: {', '.join(sorted(_SCRIPTS))}", code="invalid_model"
        )
    function, delay_s = _SCRIPTS[model]
    return FunctionModel(f"scripted:{model}", function, delay_s=delay_s)
