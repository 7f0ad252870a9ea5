"""Deterministic chat models for tests and benchmarks ("scripted:echo", "scripted:slow", "scripted:fail").

They answer from the messages they are given, so tests can see exactly what context a turn
received: the question, how many earlier messages were remembered, and the first of them.
Asked to write SQL, they return the SQL of the prompt's example whose question matches
(the "sqlretry" script first writes a broken query, to exercise the retry path; "sqlstuck"
always writes the same broken one).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from askwell.errors import Invalid, ModelError
from askwell.llm.base import GenerationOptions, Message, ModelChunk, Usage, estimate_tokens
from askwell.settings import Settings
from askwell.sql.prompting import RETRY_INSTRUCTION


@dataclass(frozen=True)
class _Script:
    delay_s: float = 0.0  # pause before each token
    repeat: int = 1  # how many times the answer body is said (long answers)
    fail_after: int | None = None  # raise ModelError after this many tokens
    bogus_citation: bool = False  # also cite a passage that does not exist
    broken_sql_first: bool = False  # the first SQL it writes does not parse
    broken_sql_always: bool = False  # it writes the same broken SQL however often it is asked


_SCRIPTS = {
    "echo": _Script(),
    "slow": _Script(delay_s=0.02, repeat=20),
    "fail": _Script(fail_after=4),
    "overcite": _Script(bogus_citation=True),
    "sqlretry": _Script(broken_sql_first=True),
    "sqlstuck": _Script(broken_sql_always=True),
}


class ScriptedChatModel:
    def __init__(self, name: str, script: _Script) -> None:
        self.name = f"scripted:{name}"
        self._script = script
        self.context_window: int | None = None

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[ModelChunk]:
        text = _special_answer(messages, self._script) or compose_answer(
            messages, bogus_citation=self._script.bogus_citation
        )
        body = " ".join([text] * self._script.repeat)
        pieces = re.findall(r"\S+\s*", body)[: options.max_tokens]
        prompt_tokens = sum(estimate_tokens(m.content) for m in messages)
        for index, piece in enumerate(pieces):
            if self._script.fail_after is not None and index == self._script.fail_after:
                raise ModelError("The scripted model failed on purpose")
            if self._script.delay_s:
                await asyncio.sleep(self._script.delay_s)
            else:
                await asyncio.sleep(0)  # still a cancellation point, like a real model
            yield ModelChunk(text=piece)
        yield ModelChunk(usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(pieces)))


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


_PASSAGE = re.compile(r"^\[1\] (.+)$", re.M)


SCRIPT_NAMES = tuple(_SCRIPTS)


_EXAMPLE = re.compile(r"^Question: ([^\n]+)\nSQL: (.+?)(?=\n\n|\Z)", re.M | re.S)


def _special_answer(messages: list[Message], script: _Script) -> str | None:
    """Answers to the SQL route's prompts: routing, writing SQL, summarising a result."""
    system = messages[0].content if messages and messages[0].role == "system" else ""
    last = messages[-1].content if messages else ""
    if system.startswith("You route questions"):
        return "database"
    if "Reply with the SQL only" in system:
        first_prompt = messages[1].content
        question = first_prompt.rsplit("Question: ", 1)[-1].strip()
        examples = _EXAMPLE.findall(first_prompt)
        if script.broken_sql_always or (script.broken_sql_first and RETRY_INSTRUCTION not in last):
            return "```sql\nSELEC broken FROM\n```"
        chosen = next((sql for q, sql in examples if q.strip().lower() == question.lower()), None)
        return f"```sql\n{chosen or (examples[0][1] if examples else 'SELECT 1')}\n```"
    if "from the query result" in system:
        lines = last.split("Result:\n", 1)[-1].splitlines()
        first = lines[1] if len(lines) > 1 else "none"
        return f"The result has {max(len(lines) - 1, 0)} rows. First row: {first}."
    return None


def _question_of(user_message: str) -> str:
    """The question inside a prompt's last user message (without passages or language hints)."""
    question = user_message.rsplit("Question: ", 1)[-1]
    return question.split("\n", 1)[0] if "Question: " in user_message else question.split("\n\n", 1)[0]


def create(model: str, settings: Settings) -> ScriptedChatModel:
    if model not in _SCRIPTS:
        raise Invalid(
            f"Unknown scripted model {model!r}; known: {', '.join(sorted(_SCRIPTS))}", code="invalid_model"
        )
    return ScriptedChatModel(model, _SCRIPTS[model])
