"""Document frequencies of query terms (chunks holding the word), for planning a keyword search.

They are counted over the whole keyword index (every assistant), because that is what a
search pays for: FTS5 and the GIN index walk a term's full posting list before the
assistant filter applies. They only choose a plan, so an estimate or a slightly stale
count is fine: every chunk a search returns still matches its query.

SQLite: the `chunks_fts_vocab` table (fts5vocab, migration 0004) counts a term's rows by
walking its posting list, up to a few ms for a word in most of 200k chunks, so counts are
cached per process (with the chunk count, 22 ms at 200k chunks) and recounted as chunks are
added. PostgreSQL: ANALYZE already samples the most common lexemes of `search_vector`
with their frequencies (`pg_stats`, what the planner uses for `@@`); migration 0004 raises
that column's statistics target so that the list reaches down to words in ~0.1 % of chunks.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncSession

# Counts are recounted when the chunk id high-water mark has moved by more than this share
# (ids only grow; deletions lower counts, which makes a plan stricter, never wrong).
_STALE_AFTER_GROWTH = 0.05
_MAX_CACHED_TERMS = 50_000


@dataclass
class TermStats:
    chunks: int  # in the index, all assistants
    frequencies: dict[str, int]  # chunks holding each term


@dataclass
class _Cache:
    max_id: int = -1
    chunks: int = 0
    counts: dict[str, int] = field(default_factory=dict)


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()


async def term_stats(session: AsyncSession, terms: Sequence[str]) -> TermStats:
    """How many chunks (of all assistants) hold each term; cached per database and process."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    cache = _caches.setdefault(engine, _Cache())
    max_id = int((await session.execute(text("SELECT coalesce(max(id), 0) FROM chunks"))).scalar_one())
    if (
        abs(max_id - cache.max_id) > cache.max_id * _STALE_AFTER_GROWTH
        or len(cache.counts) > _MAX_CACHED_TERMS
    ):
        cache.counts.clear()
        cache.max_id = max_id
        cache.chunks = await _chunk_count(session, sqlite=engine.dialect.name == "sqlite")
    missing = [term for term in terms if term not in cache.counts]
    if missing:
        if engine.dialect.name == "sqlite":
            cache.counts.update(await _sqlite_counts(session, missing))
        else:
            cache.counts.update(await _pg_estimates(session, missing))
    return TermStats(chunks=cache.chunks, frequencies={term: cache.counts[term] for term in terms})


async def _chunk_count(session: AsyncSession, *, sqlite: bool) -> int:
    # PostgreSQL: the planner's row count, which the frequencies below are estimated from.
    sql = (
        "SELECT count(*) FROM chunks"
        if sqlite
        else "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'chunks'::regclass"
    )
    return int((await session.execute(text(sql))).scalar_one())


async def _sqlite_counts(session: AsyncSession, terms: Sequence[str]) -> dict[str, int]:
    """Exact counts; a term FTS5 splits ("sqlite3_open" is the phrase "sqlite3 open") is
    counted as its rarest part, an upper bound."""
    counts: dict[str, int] = {}
    for term in terms:
        parts = [part for part in term.split("_") if part] or [term]
        counts[term] = min([await _sqlite_count(session, part) for part in parts])
    return counts


async def _sqlite_count(session: AsyncSession, token: str) -> int:
    # One lookup per token: fts5vocab only seeks on `term = ?`.
    statement = text("SELECT doc FROM chunks_fts_vocab WHERE term = :t")
    return int((await session.execute(statement, {"t": token})).scalar() or 0)


_PG_ESTIMATES = text(
    "WITH s AS (SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs "
    "  FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'chunks' "
    "  AND attname = 'search_vector'), "
    "n AS (SELECT greatest(reltuples, 0) AS n FROM pg_class WHERE oid = 'chunks'::regclass) "
    "SELECT t.term, l.lexeme, s.freqs[array_position(s.elems, l.lexeme)], "
    "  s.freqs[cardinality(s.elems) + 1], n.n "
    "FROM unnest(CAST(:terms AS text[])) AS t(term) CROSS JOIN n LEFT JOIN s ON true "
    "LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS l(lexeme) ON true"
)


async def _pg_estimates(session: AsyncSession, terms: Sequence[str]) -> dict[str, int]:
    """Estimates from the planner's statistics; 0 everywhere before the first ANALYZE.

    A lexeme missing from the list is rarer than its least common entry; like the planner,
    take half of that. A term that PostgreSQL splits into several lexemes ("open_v2") is
    an AND of them: its smallest estimate. A stop word has no lexeme and matches nothing: 0.
    """
    estimates: dict[str, int] = {}
    for term, lexeme, freq, min_freq, rows in await session.execute(_PG_ESTIMATES, {"terms": list(terms)}):
        if lexeme is None:
            estimate = 0
        elif freq is not None:
            estimate = round(freq * rows)
        else:
            estimate = round((min_freq or 0) / 2 * rows)
        estimates[term] = min(estimates.get(term, estimate), estimate)
    return estimates
