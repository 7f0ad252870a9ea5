"""Sentences that only point at a passage are taken out of streamed answers, whatever the pieces."""

from __future__ import annotations

import pytest

from askwell.turn.answer_checks import AnswerChecks
from askwell.turn.meta_sentences import MetaSentenceFilter, is_meta_sentence


def _stream(text: str, size: int) -> tuple[str, int]:
    checks = MetaSentenceFilter()
    shown = [checks.feed(text[i : i + size]) for i in range(0, len(text), size)]
    return "".join(shown) + checks.flush(), checks.removed


@pytest.mark.parametrize(
    "sentence",
    [
        "The passage that supports this answer is [2].",
        "This information can be found in passage [1].",
        "The answer is based on the passages [1, 3].",
        "Source: passage [2]",
        "This is [2].",
    ],
)
def test_pointing_sentences_are_meta(sentence: str) -> None:
    assert is_meta_sentence(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "According to passage [2], the limit is 281 TB.",
        "Yes [1].",
        "SQLite is threadsafe [1].",
        "The passage [3] shows CREATE TABLE t(a INTEGER PRIMARY KEY);",
    ],
)
def test_sentences_with_content_stay(sentence: str) -> None:
    assert not is_meta_sentence(sentence)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_meta_sentences_go_wherever_they_stand_and_the_rest_is_unchanged(size: int) -> None:
    answer = (
        "The passage that supports this answer is [2]. A column declared INTEGER PRIMARY KEY "
        "autoincrements [2]. This information can be found in passage [2].\n\n"
        "```sql\nCREATE TABLE t1(a INTEGER PRIMARY KEY, b);\n```\n"
        "The answer comes from passage [1]."
    )
    shown, removed = _stream(answer, size)
    assert shown == (
        "A column declared INTEGER PRIMARY KEY autoincrements [2].\n\n"
        "```sql\nCREATE TABLE t1(a INTEGER PRIMARY KEY, b);\n```\n"
    )
    assert removed == 3


def test_an_answer_that_is_nothing_but_such_a_sentence_is_kept() -> None:
    assert _stream("It is [1].", 2) == ("It is [1].", 0)
    assert _stream("SQLite is threadsafe [1]. It is [1].", 2) == ("SQLite is threadsafe [1].", 1)


def test_an_ordinary_sentence_is_not_held_back_while_it_streams() -> None:
    checks = MetaSentenceFilter()
    assert checks.feed("The") == ""  # could still be "The passage that ..."
    assert checks.feed(" VACUUM command") == "The VACUUM command"
    assert checks.feed(" rebuilds") == " rebuilds"


def test_the_citation_of_a_removed_sentence_moves_to_the_sentence_before() -> None:
    checks = AnswerChecks(instructions="Answer from the passages.", source_count=3)
    answer = (
        "SQLite stores TEXT, INTEGER, REAL and BLOB values. This is stated in [2]. WAL helps [1]. See [1]."
    )
    shown = "".join(checks.feed(answer[i : i + 4]) for i in range(0, len(answer), 4)) + checks.flush()
    assert shown == "SQLite stores TEXT, INTEGER, REAL and BLOB values [2]. WAL helps [1]."
    assert checks.cited == {1, 2} and checks.meta_removed == 2
