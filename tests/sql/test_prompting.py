"""The SQL route's retry prompt."""

from __future__ import annotations

from askwell.llm.base import Message
from askwell.sql.knowledge import SqlContext
from askwell.sql.plan import Failure
from askwell.sql.prompting import REPEAT_INSTRUCTION, RETRY_INSTRUCTION, retry_messages, sql_messages


def _first_prompt() -> list[Message]:
    context = SqlContext(
        tables=["Artist"], ddl=["CREATE TABLE Artist (ArtistId INTEGER, Name TEXT);"], docs=[], examples=[]
    )
    return sql_messages(
        question="How many artists?", context=context, dialect="sqlite", description="", memory=[]
    )


def test_a_retry_is_the_first_prompt_with_every_failure_before_the_question() -> None:
    first = _first_prompt()
    retry = retry_messages(
        first,
        [
            Failure("SELEC x", "syntax error"),
            Failure(
                "SELECT n FROM Artist", "no such column: n", hint="There is no column n. Close names: Name."
            ),
        ],
    )
    assert len(retry) == 2 and retry[0] == first[0]  # a fresh prompt, not a continuation
    head = first[1].content.rpartition("\n\nQuestion: ")[0]
    assert retry[1].content.startswith(head)  # the schema prefix is unchanged, so a prompt cache covers it
    assert retry[1].content.endswith("Question: How many artists?")
    assert "SELEC x" in retry[1].content and "no such column: n" in retry[1].content
    assert "Fix: There is no column n. Close names: Name." in retry[1].content
    assert RETRY_INSTRUCTION in retry[1].content and REPEAT_INSTRUCTION not in retry[1].content
    again = retry_messages(first, [Failure("SELEC x", "syntax error")], repeated=True)
    assert REPEAT_INSTRUCTION in again[1].content
