"""Checked figures: the numbers of a data answer against the query's result."""

from __future__ import annotations

from typing import Any

import pytest

from askwell.sql.figures import NOTHING_LEFT, FigureCheck

GENRES = (
    ["Genre", "Tracks"],
    [["Rock", 1297], ["Latin", 579], ["Metal", 374], ["Alternative & Punk", 332], ["Jazz", 130]],
)


def _check(text: str, columns: list[str], rows: list[list[Any]], question: str = "") -> FigureCheck:
    check = FigureCheck(columns=columns, rows=rows, row_count=len(rows), question=question)
    # Streamed a few characters at a time, as a model does.
    check.out = "".join(check.feed(text[i : i + 3]) for i in range(0, len(text), 3)) + check.flush()  # type: ignore[attr-defined]
    return check


def test_a_total_that_is_one_rows_value_becomes_the_sum() -> None:
    check = _check(
        "The 5 genres with the most tracks are Rock, Latin, Metal, Alternative & Punk and Jazz, "
        "with a total of 1,297 tracks. Rock leads.",
        *GENRES,
        question="Which 5 genres have the most tracks?",
    )
    assert "with a total of 2,712 tracks. Rock leads." in check.out  # type: ignore[attr-defined]
    assert check.corrected == ["1,297 -> 2,712 (the total, not one row)"] and not check.removed


def test_one_rows_own_total_stays() -> None:
    check = _check("Rock has a total of 1297 tracks.", *GENRES)
    assert check.out == "Rock has a total of 1297 tracks." and not check.corrected  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "sentence",
    [
        "Rock has 718 more tracks than Latin.",  # a difference
        "Rock has 2.24 times as many tracks as Latin.",  # a ratio
        "Rock holds 47.8% of these tracks.",  # a share of the column's total
        "Together they have 2712 tracks.",  # the sum
        "On average a genre here has 542.4 tracks.",  # the mean
        "Rock has about 1,300 tracks.",  # rounded, and said to be
        "These are the top 5 genres.",  # from the question
        "Rock has 1.297 tracks.",  # another language's thousands separator
    ],
)
def test_numbers_that_follow_from_the_result_are_kept(sentence: str) -> None:
    check = _check(sentence, *GENRES, question="What are the top 5 genres?")
    assert check.out == sentence and not check.removed, check.removed  # type: ignore[attr-defined]


def test_a_sentence_with_an_invented_number_is_removed_and_said_so() -> None:
    check = _check("Rock leads with 1297 tracks. Jazz has 999 tracks. That is all.", *GENRES)
    assert check.out == "Rock leads with 1297 tracks. That is all."  # type: ignore[attr-defined]
    assert check.removed == ["Jazz has 999 tracks."]


def test_an_answer_with_nothing_left_points_to_the_table() -> None:
    check = _check("There are 12345 genres.", *GENRES)
    assert check.out == NOTHING_LEFT and check.removed == ["There are 12345 genres."]  # type: ignore[attr-defined]


def test_fractions_dates_ordinals_and_list_numbers() -> None:
    check = _check("The average discount is 15%.", ["avg_discount"], [[0.15]])
    assert check.out == "The average discount is 15%." and check.checked == 1  # type: ignore[attr-defined]
    hired = _check(
        "We hired 12 people in 2023, the 2nd best year; the first on 2023-01-09.\n1. Sales\n2. R&D",
        ["department", "hired", "first_day"],
        [["Sales", 7, "2023-01-09"], ["R&D", 5, "2023-02-01"]],
        question="How many people did we hire in 2023?",
    )
    assert not hired.removed, hired.removed
    assert hired.out.endswith("\n1. Sales\n2. R&D")  # type: ignore[attr-defined]
