"""Citations are checked while the answer streams."""

from __future__ import annotations

import pytest

from askwell.turn.citations import CitationFilter


def _run(pieces: list[str], sources: int) -> tuple[str, list[int]]:
    citations = CitationFilter(sources)
    text = "".join(citations.feed(p) for p in pieces) + citations.flush()
    return text, sorted(citations.cited)


def test_valid_citations_pass_and_are_recorded() -> None:
    assert _run(["Vacation is 25 days [3]. Offices open at 8 [1]."], 3) == (
        "Vacation is 25 days [3]. Offices open at 8 [1].",
        [1, 3],
    )


def test_citations_to_no_source_are_removed_with_their_space() -> None:
    assert _run(["It is 25 days [7]. See [1, 9] and [2][4]."], 2) == (
        "It is 25 days. See [1] and [2].",
        [1, 2],
    )


@pytest.mark.parametrize("split_at", range(1, 30))
def test_citations_split_across_tokens(split_at: int) -> None:
    text = "The fact [2] and a bogus one [12]."
    assert _run([text[:split_at], text[split_at:]], 3) == ("The fact [2] and a bogus one.", [2])


def test_code_and_other_brackets_are_left_alone() -> None:
    assert _run(["items[0] and [x] and [", "] end [1"], 1) == ("items[0] and [x] and [] end [1", [])


@pytest.mark.parametrize("split_at", range(1, 16))
def test_spaced_citations_are_checked_too(split_at: int) -> None:
    text = "Paid in 14 days [ 7 ], see [ 1 ] and [2 , 9 ]."
    assert _run([text[:split_at], text[split_at:]], 2) == ("Paid in 14 days, see [1] and [2].", [1, 2])
