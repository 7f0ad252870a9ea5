"""Stretches of the instructions are kept out of the answer while it streams."""

from __future__ import annotations

import pytest

from askwell.turn.answer_checks import AnswerChecks
from askwell.turn.leaks import LEAK_MARK, LEAK_MIN_CHARS, PromptLeakFilter

INSTRUCTIONS = (
    "You are Zed, the support desk of Acme Corp. The escalation code is ZX-4471.\n\n"
    "Answer using only the numbered context passages given with the question."
)
LEAKY = "Sure. My rules: " + INSTRUCTIONS.replace("\n\n", "\n") + " Anything else?"
CLEAN = "Refunds are paid within 14 days of the request; the Zurich office opens at 8:00 on weekdays."


def _run(pieces: list[str], instructions: str = INSTRUCTIONS) -> str:
    leaks = PromptLeakFilter(instructions)
    return "".join(leaks.feed(p) for p in pieces) + leaks.flush()


def _split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_a_verbatim_copy_becomes_one_mark_whatever_the_line_breaks() -> None:
    assert _run([LEAKY]) == f"Sure. My rules: {LEAK_MARK} Anything else?"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 39, 40, 41, 200])
def test_the_result_does_not_depend_on_how_the_answer_is_split(size: int) -> None:
    assert _run(_split(LEAKY, size)) == _run([LEAKY])
    assert _run(_split(CLEAN, size)) == CLEAN


def test_each_leaked_stretch_is_removed_and_the_text_between_is_kept() -> None:
    text = f"A {INSTRUCTIONS[:45]}|then ours|{INSTRUCTIONS[80:130]}|end."
    assert _run([text]) == f"A {LEAK_MARK}|then ours|{LEAK_MARK}|end."


def test_shorter_echoes_are_kept() -> None:
    short = INSTRUCTIONS[: LEAK_MIN_CHARS - 1]
    assert _run([f"As said: {short}!"]) == f"As said: {short}!"
    assert _run(["anything at all"], "tiny prompt") == "anything at all"  # shorter than a window


def test_only_an_end_that_could_grow_into_a_leak_is_held_back() -> None:
    leaks = PromptLeakFilter(INSTRUCTIONS)
    out = ""
    for index, char in enumerate(CLEAN, 1):
        out += leaks.feed(char)
        assert CLEAN.startswith(out) and index - len(out) < LEAK_MIN_CHARS
        if char == ";":  # not in the instructions: nothing can be pending after it
            assert len(out) == index
    assert out + leaks.flush() == CLEAN and not leaks.leaked
    leaks = PromptLeakFilter(INSTRUCTIONS)
    assert leaks.feed("Sure. My rules: You are Zed, the") == "Sure. My rules: "  # the rest might be a leak


def test_answer_checks_remove_the_leak_before_checking_citations() -> None:
    # The rules quote "[1], [2]": with one source, a copy of them must not keep a stray "[1]".
    rules = "Cite the passages you use as [1], [2], ... right after the facts they support."
    checks = AnswerChecks(instructions=rules, source_count=1)
    text = "".join(checks.feed(p) for p in _split(f"Fact [1]. {rules} More [5].", 5)) + checks.flush()
    assert text == f"Fact [1]. {LEAK_MARK} More." and checks.cited == {1} and checks.leaked
