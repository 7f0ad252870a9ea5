"""Keyword search: SQLite FTS5 (BM25) embedded, PostgreSQL full-text in production.

Questions are natural language: any word may match (OR) and BM25 ranks by rarity. But an OR
of every word makes nearly every chunk a match once the index is large (a question with
"sqlite" or "database" matched 182k of 200k chunks), and FTS5's bm25() and PostgreSQL's
ts_rank_cd score every match before the LIMIT: 0.9 s and 4.5 s at p95 (bench/RESULTS.md,
retrieval). So the words' document frequencies choose a plan (`plan_query`) that caps the
matches at about `MATCH_BUDGET` chunks, and leaves small indexes exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.documents.retrieval.filters import SearchFilter
from askwell.documents.retrieval.term_stats import TermStats, term_stats

# Very common words would only make every chunk a candidate, so they are left out.
_STOPWORDS = frozenset(
    (
        "a an and are as at be but by can do does for from has have how i if in into is it its me my "
        "no not of on or our so than that the their them then there these they this to was we what when "
        "where which who why will with would you your"
    ).split()
)
_WORD = re.compile(r"\w+", re.UNICODE)

# Chunks a keyword search may match: an OR of words whose document frequencies sum to at
# most this matches at most this many. On the docs-devset (10k chunks) 2,000 ranks exactly as
# the OR of every word (1,000 cost 0.7 % of hybrid nDCG@10); at 200k chunks it is searched in
# ~10 ms rather than 0.7 s (bench/RESULTS.md, retrieval).
MATCH_BUDGET = 2_000


def query_terms(query: str, *, max_terms: int = 32) -> list[str]:
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in _STOPWORDS and word not in terms:
            terms.append(word)
    return terms[:max_terms]


@dataclass(frozen=True)
class KeywordPlan:
    """Chunks matching `match` (all of it when `conjunction`, else any word), ranked by `rank_by`."""

    match: tuple[str, ...]
    rank_by: tuple[str, ...]
    conjunction: bool = False


def plan_query(
    terms: Sequence[str], frequencies: Mapping[str, int], *, budget: int = MATCH_BUDGET
) -> KeywordPlan:
    """How to search `terms` so that about `budget` chunks at most match.

    - Their OR matches at most `budget` chunks: the OR of them all, as BM25 intends.
    - Otherwise the chunks holding one of the rarest terms, those whose frequencies fit the
      budget, ranked by every term. A chunk holding none of them holds only common words,
      which BM25 weighs little (low IDF); so the ranking of the candidates is the full
      query's, and the 10k-chunk docs-devset ranks exactly as with the plain OR.
    - When even the rarest term is over the budget (or the only term is), the chunks holding
      every term (AND: the index intersects the posting lists, so no more chunks match than
      hold the rarest term; the cap cannot hold then, this is the best bound). `match` is
      rarest first, for `keyword_search` to relax the AND when too few chunks hold them all.
    """
    if sum(frequencies.get(term, 0) for term in terms) <= budget:
        return KeywordPlan(match=tuple(terms), rank_by=tuple(terms))
    by_rarity = sorted(terms, key=lambda term: frequencies.get(term, 0))  # stable: ties keep query order
    rarest: list[str] = []
    total = 0
    for term in by_rarity:
        total += frequencies.get(term, 0)
        if total > budget:
            break
        rarest.append(term)
    if not rarest:
        return KeywordPlan(match=tuple(by_rarity), rank_by=tuple(by_rarity), conjunction=True)
    return KeywordPlan(match=tuple(rarest), rank_by=tuple(terms))


async def keyword_search(
    session: AsyncSession, *, where: SearchFilter, query: str, limit: int, budget: int = MATCH_BUDGET
) -> list[tuple[int, float]]:
    """(chunk id, score) best first; empty when the query has no searchable word."""
    terms = query_terms(query)
    if not terms:
        return []
    stats = await term_stats(session, terms)
    plan = plan_query(terms, stats.frequencies, budget=budget)
    if not plan.conjunction:
        return await _search(session, where, plan, stats, limit)
    # A question's words are seldom all in one chunk: when too few chunks hold them all, the
    # AND is relaxed to the rarer half of the words, down to the two rarest (at most ~log2 n
    # steps, each bounded like the first). Chunks found by more words come first.
    found: list[tuple[int, float]] = []
    size = len(plan.match)
    while True:
        step = KeywordPlan(match=plan.match[:size], rank_by=plan.match[:size], conjunction=True)
        seen = {chunk_id for chunk_id, _ in found}
        found += [hit for hit in await _search(session, where, step, stats, limit) if hit[0] not in seen]
        if len(found) >= limit or size <= 2:
            return found[:limit]
        size = max(2, (size + 1) // 2)


async def _search(
    session: AsyncSession, where: SearchFilter, plan: KeywordPlan, stats: TermStats, limit: int
) -> list[tuple[int, float]]:
    if session.get_bind().dialect.name == "sqlite":
        return await _sqlite_search(session, where, plan, stats, limit)
    return await _pg_search(session, where, plan, limit)


def _fts_query(terms: Sequence[str], operator: str) -> str:
    return f" {operator} ".join(f'"{term}"' for term in terms)


# bm25() is lower-is-better; a word in a heading counts twice a word in the body (measured:
# heading weight 0.5 -> 2 raised hybrid nDCG@10 on the docs-devset).
_BM25 = "bm25(chunks_fts, 1.0, 2.0)"


async def _sqlite_search(
    session: AsyncSession, where: SearchFilter, plan: KeywordPlan, stats: TermStats, limit: int
) -> list[tuple[int, float]]:
    if plan.conjunction:
        # Not bounded: ranked and filtered in SQL, so that `limit` rows come back. CROSS JOIN
        # keeps the FTS table first: SQLite could otherwise walk the assistant's every chunk
        # and run the MATCH once per chunk (seconds at 200k).
        sql = (
            f"SELECT c.id, -{_BM25} FROM chunks_fts CROSS JOIN chunks c ON c.id = chunks_fts.rowid "
            f"WHERE chunks_fts MATCH :match AND {where.sql('c')} ORDER BY {_BM25} LIMIT :limit"
        )
        params = {"match": _fts_query(plan.match, "AND"), "limit": limit, **where.params(hex_ids=True)}
        rows = await session.execute(text(sql).bindparams(*_list_binds(where)), params)
        return [(int(row[0]), float(row[1])) for row in rows]
    # At most about MATCH_BUDGET matches: ranked here, and only the best are looked up in
    # `chunks` for the assistant filter (that lookup, made for every match, cost as much as
    # bm25() itself).
    # FTS5 gives a word in over half the chunks no weight (its IDF is clamped to 1e-6), so
    # ranking by it would only cost the scan of its posting list that bm25() makes for IDF.
    rank_by = [t for t in plan.rank_by if t in plan.match or stats.frequencies[t] * 2 < stats.chunks]
    rare = _fts_query(plan.match, "OR")
    if set(rank_by) <= set(plan.match):
        scores = await _fts_scores(session, rare)
    else:
        # Ranked by every word, though matched on the rarest: an FTS5 query's bm25() is a sum
        # over its phrases, so "(rare) AND (all)" scores a candidate by all words plus the rare
        # ones again, and the rare words' own score is taken off.
        scores = await _fts_scores(session, f"({rare}) AND ({_fts_query(rank_by, 'OR')})")
        rare_only = await _fts_scores(session, rare) if scores else {}
        scores = {chunk_id: score - rare_only.get(chunk_id, 0.0) for chunk_id, score in scores.items()}
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    return await _allowed(session, where, ranked, limit)


async def _fts_scores(session: AsyncSession, match: str) -> dict[int, float]:
    statement = text(f"SELECT rowid, -{_BM25} FROM chunks_fts WHERE chunks_fts MATCH :match")
    return {int(row[0]): float(row[1]) for row in await session.execute(statement, {"match": match})}


async def _allowed(
    session: AsyncSession, where: SearchFilter, ranked: list[tuple[int, float]], limit: int
) -> list[tuple[int, float]]:
    """The first `limit` of `ranked` that `where` allows: the FTS index holds every assistant's
    chunks. The best 4 x `limit` are checked first, the rest only when they fall short."""
    statement = text(f"SELECT c.id FROM chunks c WHERE c.id IN :ids AND {where.sql('c')}").bindparams(
        bindparam("ids", expanding=True), *_list_binds(where)
    )
    kept: list[tuple[int, float]] = []
    for batch in (ranked[: 4 * limit], ranked[4 * limit :]):
        if not batch or len(kept) >= limit:
            break
        params = {"ids": [chunk_id for chunk_id, _ in batch], **where.params(hex_ids=True)}
        allowed = {int(row[0]) for row in await session.execute(statement, params)}
        kept += [pair for pair in batch if pair[0] in allowed]
    return kept[:limit]


def _list_binds(where: SearchFilter) -> list[BindParameter[Any]]:
    return [bindparam(name, expanding=True) for name in where.list_params()]


async def _pg_search(
    session: AsyncSession, where: SearchFilter, plan: KeywordPlan, limit: int
) -> list[tuple[int, float]]:
    params: dict[str, Any] = {
        "limit": limit,
        "match": (" & " if plan.conjunction else " | ").join(plan.match),
        "rank_by": " | ".join(plan.rank_by),
        **where.params(hex_ids=False),
    }
    sql = (
        "SELECT c.id, ts_rank_cd(c.search_vector, r) AS score "
        "FROM chunks c, to_tsquery('english', :match) m, to_tsquery('english', :rank_by) r "
        f"WHERE c.search_vector @@ m AND {where.sql('c')} "
        "ORDER BY score DESC, c.id LIMIT :limit"
    )
    rows = await session.execute(text(sql).bindparams(*_list_binds(where)), params)
    return [(int(row[0]), float(row[1])) for row in rows]
