"""Keyword search on a real index (SQLite FTS5 and PostgreSQL full-text): the frequency
counts and the plan that caps how many chunks a search matches."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.documents.retrieval.keyword import keyword_search, plan_query
from askwell.documents.retrieval.term_stats import term_stats
from tests.documents.retrieval.corpus import Corpus

LOTS = 10**9  # a budget no query exceeds: the plain OR of every word


@dataclass
class Zebras(Corpus):
    """80 chunks of filler, 20 with the word "mid", and two with the rare word "zebra":
    A holds "mid" too, B is "zebra" alone (shorter, so it wins on "zebra" by itself)."""

    a: int = 0
    b: int = 0


@pytest.fixture
async def corpus(engine: AsyncEngine) -> Zebras:
    created = await Corpus.create(engine)
    corpus = Zebras(**vars(created))
    await corpus.add([f"filler text {i}" for i in range(80)])
    await corpus.add([f"mid filler {i}" for i in range(20)])
    corpus.a, corpus.b = await corpus.add(["zebra mid", "zebra"])
    await corpus.analyze()
    return corpus


async def search(corpus: Corpus, query: str, budget: int, limit: int = 50) -> list[int]:
    async with corpus.sessions() as session:
        found = await keyword_search(session, where=corpus.where, query=query, limit=limit, budget=budget)
    return [chunk_id for chunk_id, _ in found]


async def test_term_stats_count_chunks_per_word(corpus: Zebras) -> None:
    async with corpus.sessions() as session:
        stats = await term_stats(session, ["filler", "mid", "zebra", "absent"])
    counts = stats.frequencies
    if corpus.engine.dialect.name == "sqlite":
        assert stats.chunks == 102
        assert counts == {"filler": 100, "mid": 21, "zebra": 2, "absent": 0}
    else:  # estimates from ANALYZE's sample (here the whole table)
        assert 95 <= stats.chunks <= 110
        assert 90 <= counts["filler"] <= 110 and 15 <= counts["mid"] <= 25
        assert counts["zebra"] <= 3 and counts["absent"] <= 1


async def test_a_word_the_index_splits_counts_as_its_rarest_part(corpus: Zebras) -> None:
    async with corpus.sessions() as session:
        stats = await term_stats(session, ["zebra_mid", "mid_filler"])
    # Both back ends split at "_": the phrase is at most as frequent as its rarest word.
    assert stats.frequencies["zebra_mid"] <= 3
    assert 15 <= stats.frequencies["mid_filler"] <= 25


async def test_small_match_sets_keep_the_plain_or(corpus: Zebras) -> None:
    found = await search(corpus, "zebra mid", budget=LOTS)
    assert found[0] == corpus.a
    assert corpus.b in found
    assert len(found) == 22  # every chunk with either word (PostgreSQL's rank has no IDF: B may tie)


async def test_common_words_are_dropped_from_the_match_but_rank_the_candidates(corpus: Zebras) -> None:
    # "mid" (21 chunks) is over the budget, "zebra" (2) fits: only zebra chunks match...
    found = await search(corpus, "zebra mid", budget=5)
    # ...ranked as the plain OR ranks them: A, which also holds "mid", before the shorter B.
    assert found == [corpus.a, corpus.b]
    if corpus.engine.dialect.name == "sqlite":  # (ts_rank_cd ignores length: A and B tie on "zebra")
        # By "zebra" alone BM25 ranks B first: the ranking above is not the rare word's.
        assert (await search(corpus, "zebra", budget=5)) == [corpus.b, corpus.a]


async def test_when_every_word_is_common_chunks_must_hold_them_all(corpus: Zebras) -> None:
    found = await search(corpus, "mid filler", budget=5)
    assert len(found) == 20  # the "mid filler i" chunks; not the 80 with "filler" only
    assert corpus.a not in found


async def test_an_and_nothing_satisfies_is_relaxed_to_the_rarer_words(corpus: Zebras) -> None:
    # At budget 1 every word is over it; no chunk holds all of "zebra" (2), "mid" (21) and
    # "text" (80): the AND is relaxed to the two rarest, which A holds.
    assert await search(corpus, "text zebra mid", budget=1) == [corpus.a]
    # When the full AND finds enough chunks, it is not relaxed: "filler" alone is not searched.
    found = await search(corpus, "mid filler", budget=1, limit=10)
    assert len(found) == 10 and all(chunk_id > 80 for chunk_id in found)  # "mid filler i" chunks only


async def test_a_word_absent_from_the_index_is_harmless(corpus: Zebras) -> None:
    assert await search(corpus, "zebra mid nonexistentword", budget=5) == [corpus.a, corpus.b]
    assert await search(corpus, "nonexistentword", budget=5) == []


async def test_other_assistants_chunks_count_for_the_plan_but_are_not_returned(
    corpus: Zebras, engine: AsyncEngine
) -> None:
    other = await Corpus.create(engine, name="other")
    (theirs,) = await other.add(["zebra mid mid"])
    await other.analyze()
    found = await search(corpus, "zebra mid", budget=5)
    assert found == [corpus.a, corpus.b]
    assert await search(other, "zebra mid", budget=5) == [theirs]


def test_plan_query() -> None:
    counts = {"rare": 10, "less": 50, "mid": 400, "common": 5000}
    plain = plan_query(["common", "rare", "mid"], counts, budget=10_000)
    assert plain.match == plain.rank_by == ("common", "rare", "mid") and not plain.conjunction
    capped = plan_query(["common", "mid", "rare", "less"], counts, budget=100)
    assert capped.match == ("rare", "less")  # the rarest first, while their sum fits
    assert capped.rank_by == ("common", "mid", "rare", "less") and not capped.conjunction
    assert plan_query(["mid", "rare"], counts, budget=20).match == ("rare",)  # the rarest is kept
    every = plan_query(["common", "mid"], counts, budget=100)
    assert every.conjunction and every.match == ("mid", "common")  # rarest first
    alone = plan_query(["common"], counts, budget=1)
    assert alone.match == ("common",) and alone.conjunction
    assert plan_query(["new", "common"], counts, budget=100).match == ("new",)  # unknown: never seen


async def test_chunks_of_another_assistant_ranked_first_do_not_crowd_ours_out(
    corpus: Zebras, engine: AsyncEngine
) -> None:
    other = await Corpus.create(engine, name="other")
    await other.add(["zebra zebra mid"] * 10)  # these outrank A and B
    await other.analyze()
    for budget in (LOTS, 30):  # the plain OR, and the capped plan ("mid" over budget)
        assert await search(corpus, "zebra mid", budget=budget, limit=1) == [corpus.a]
        assert await search(corpus, "zebra", budget=budget, limit=2) in (
            [corpus.b, corpus.a],
            [corpus.a, corpus.b],
        )
