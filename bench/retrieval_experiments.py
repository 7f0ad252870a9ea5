"""Keyword-side and fusion variants of Askwell's hybrid search, measured without changing src/.

    python bench/retrieval_experiments.py --data-dir DIR     # DIR: a data dir bench/ingest.py kept

Works on a copy of DIR's database (DIR itself is not touched). The vector candidates are
Askwell's own (``Retriever.vector``, 50 per query); each keyword variant is the SQL of
``askwell.documents.retrieval.keyword.keyword_search`` (same query terms, OR, 50 candidates) over another
FTS5 table or with other column weights; fusion is ``Retriever.fuse`` (RRF, k=60). Rows:

- ``fts``: Askwell's table, bm25 weights content 1.0, headings 0.5 (the product);
- ``fts h=W``: the same table with headings weighted W;
- ``no-porter``: a table without the Porter stemmer (``unicode61 remove_diacritics 2``);
- ``title``: a table with a third column, the page's <title> (as Askwell's parser reads it),
  weighted t (and combined with no-porter);
- ``df<=X%``: query terms found in more than X % of the chunks dropped (the rarest kept);
- ``min-tokens 8``: chunks under 8 tokens (headings alone, such as "SQLite C Interface" on
  every c3ref page) left out of both candidate lists;
- ``k=K``: other RRF constants; ``cand=N``: N candidates per retriever.

Each row gives nDCG@10 (all / faq / known-item, by the dataset's score.py) for keyword alone
and hybrid at keyword:vector weights 1:1 and 1:2. Writes bench/out/retrieval_experiments-<ts>.json.

With ``--budgets``, the rows are instead the product's own ``keyword_search`` with other match
budgets (``keyword.MATCH_BUDGET``) and, on SQLite, other frequency shares above which a word
is left out of the ranking (the product: 0.5, where FTS5's IDF is clamped to ~0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus
import retrieval

TOP_K = 50


def _prepare(db: Path, corpus: Path) -> None:
    """Extra FTS5 tables in the copied database."""
    from askwell.documents.parsing import parse

    titles = {name: (parse(path, "html").title or "") for path, name in _corpus.pages(corpus)}
    connection = sqlite3.connect(db)
    connection.executescript(
        """
        CREATE VIRTUAL TABLE fts_noporter USING fts5(content, headings, content='chunks',
            content_rowid='id', tokenize='unicode61 remove_diacritics 2');
        INSERT INTO fts_noporter(fts_noporter) VALUES ('rebuild');
        CREATE TABLE chunk_titles (id INTEGER PRIMARY KEY, content TEXT, headings TEXT, title TEXT);
        CREATE VIRTUAL TABLE fts_title USING fts5(content, headings, title, content='chunk_titles',
            content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE fts_title_noporter USING fts5(content, headings, title,
            content='chunk_titles', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
        """
    )
    rows = connection.execute(
        "SELECT c.id, c.content, c.headings, d.name FROM chunks c JOIN documents d ON d.id = c.document_id"
    ).fetchall()
    connection.executemany(
        "INSERT INTO chunk_titles VALUES (?, ?, ?, ?)", [(i, c, h, titles.get(n, "")) for i, c, h, n in rows]
    )
    connection.execute("INSERT INTO fts_title(fts_title) VALUES ('rebuild')")
    connection.execute("INSERT INTO fts_title_noporter(fts_title_noporter) VALUES ('rebuild')")
    connection.commit()
    connection.close()


def _keyword(
    connection: sqlite3.Connection, table: str, weights: str, terms: list[str], limit: int, min_tokens: int
) -> list[tuple[int, float]]:
    if not terms:
        return []
    match = " OR ".join(f'"{t}"' for t in terms)
    sql = (
        f"SELECT c.id, -bm25({table}, {weights}) FROM {table} JOIN chunks c ON c.id = {table}.rowid "
        f"WHERE {table} MATCH ? AND c.token_count >= ? ORDER BY bm25({table}, {weights}) LIMIT ?"
    )
    return [(int(i), float(s)) for i, s in connection.execute(sql, (match, min_tokens, limit))]


def prune_common(
    connection: sqlite3.Connection, table: str, terms: list[str], max_share: float, cache: dict[str, int]
) -> list[str]:
    """The terms found in at most `max_share` of the chunks (the rarest one at least).

    A term in most chunks adds next to nothing to BM25 (its IDF is about zero) but makes nearly
    every chunk a candidate that must be scored: at 200k chunks that is what costs the time.
    """
    if max_share >= 1 or not terms:
        return terms
    total = connection.execute("SELECT count(*) FROM chunks").fetchone()[0]
    for term in terms:
        if term not in cache:
            cache[term] = connection.execute(
                f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (f'"{term}"',)
            ).fetchone()[0]
    kept = [t for t in terms if cache[t] <= max_share * total]
    return kept or [min(terms, key=lambda t: cache[t])]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from askwell.documents.retrieval.keyword import query_terms
    from askwell.documents.retrieval.service import Retriever, filter_for
    from askwell.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="askwell-bench-exp-"))
    for name in ("askwell.db", "askwell.db-wal", "askwell.db-shm"):
        if (args.data_dir / name).exists():
            shutil.copy(args.data_dir / name, work / name)
    for extra in ("secret_key",):
        if (args.data_dir / extra).exists():
            shutil.copy(args.data_dir / extra, work / extra)
    runtime = await Runtime.start(_corpus.settings(work), start_jobs=False)
    try:
        assistant_id = await retrieval._assistant_id(runtime, _corpus.ASSISTANT)
        names = await retrieval._chunk_names(runtime, assistant_id)
        where = filter_for(assistant_id)
        queries = retrieval._queries()
        vectors: dict[str, list[tuple[int, float]]] = {}
        for q in queries:  # 100 candidates: enough for the cand=100 rows, cut to 50 elsewhere
            async with runtime.session_factory() as session:
                embedded = await runtime.retriever.embedder.embed_query(q["query"])
                vectors[q["id"]] = await runtime.retriever._memory_index.search(
                    session, where=where, query=embedded, embedder="local:all-minilm-l6-v2/384", limit=100
                )
    finally:
        await runtime.close()
    _prepare(work / "askwell.db", args.corpus)
    connection = sqlite3.connect(work / "askwell.db")
    tokens = dict(connection.execute("SELECT id, token_count FROM chunks").fetchall())

    variants: list[dict[str, Any]] = [
        {"name": "fts (product)", "table": "chunks_fts", "weights": "1.0, 0.5"},
        {"name": "fts h=0", "table": "chunks_fts", "weights": "1.0, 0.0"},
        {"name": "fts h=1", "table": "chunks_fts", "weights": "1.0, 1.0"},
        {"name": "fts h=2", "table": "chunks_fts", "weights": "1.0, 2.0"},
        {"name": "no-porter", "table": "fts_noporter", "weights": "1.0, 0.5"},
        {"name": "title (t=0.5)", "table": "fts_title", "weights": "1.0, 0.5, 0.5"},
        {"name": "title (t=2)", "table": "fts_title", "weights": "1.0, 0.5, 2.0"},
        {"name": "no-porter h=2", "table": "fts_noporter", "weights": "1.0, 2.0"},
        {"name": "no-porter + title (t=2)", "table": "fts_title_noporter", "weights": "1.0, 0.5, 2.0"},
        {"name": "no-porter + title (t=2) h=2", "table": "fts_title_noporter", "weights": "1.0, 2.0, 2.0"},
        {"name": "df<=10%", "table": "chunks_fts", "weights": "1.0, 0.5", "max_share": 0.1},
        {"name": "df<=20%", "table": "chunks_fts", "weights": "1.0, 0.5", "max_share": 0.2},
        {
            "name": "no-porter + title (t=2) df<=10%",
            "table": "fts_title_noporter",
            "weights": "1.0, 0.5, 2.0",
            "max_share": 0.1,
        },
        {
            "name": "no-porter + title (t=2) df<=20%",
            "table": "fts_title_noporter",
            "weights": "1.0, 0.5, 2.0",
            "max_share": 0.2,
        },
        {"name": "min-tokens 8", "table": "chunks_fts", "weights": "1.0, 0.5", "min_tokens": 8},
        {"name": "rrf k=20", "table": "chunks_fts", "weights": "1.0, 0.5", "k": 20},
        {"name": "rrf k=120", "table": "chunks_fts", "weights": "1.0, 0.5", "k": 120},
        {"name": "cand=100", "table": "chunks_fts", "weights": "1.0, 0.5", "candidates": 100},
        {"name": "cand=20", "table": "chunks_fts", "weights": "1.0, 0.5", "candidates": 20},
    ]
    from askwell.documents.retrieval.fusion import reciprocal_rank_fusion

    out_dir = _corpus.OUT / f"retrieval_experiments-{args.stamp}"
    results: dict[str, Any] = {}
    for variant in variants:
        min_tokens = variant.get("min_tokens", 0)
        candidates = variant.get("candidates", 50)
        k = variant.get("k", 60)
        max_share = variant.get("max_share", 1.0)
        df_cache: dict[str, int] = {}
        runs: dict[str, list[dict[str, Any]]] = {}
        for q in queries:
            terms = prune_common(connection, variant["table"], query_terms(q["query"]), max_share, df_cache)
            keyword = _keyword(
                connection, variant["table"], variant["weights"], terms, candidates, min_tokens
            )
            vector = [(i, s) for i, s in vectors[q["id"]] if tokens[i] >= min_tokens][:candidates]
            lists = {
                "keyword": keyword[:TOP_K],
                "hybrid 1:1": reciprocal_rank_fusion(
                    [([i for i, _ in keyword], 1.0), ([i for i, _ in vector], 1.0)], limit=TOP_K, k=k
                ),
                "hybrid 1:2": reciprocal_rank_fusion(
                    [([i for i, _ in keyword], 1.0), ([i for i, _ in vector], 2.0)], limit=TOP_K, k=k
                ),
            }
            for mode, ranked in lists.items():
                runs.setdefault(mode, []).append(
                    {"id": q["id"], "ranked": [{"path": names[i], "score": s} for i, s in ranked]}
                )
        scored = retrieval.score_runs(runs, out_dir / variant["name"].replace(" ", "_").replace("=", ""))
        results[variant["name"]] = {mode: r["summary"] for mode, r in scored.items()}
    connection.close()
    shutil.rmtree(work, ignore_errors=True)
    assert Retriever  # the fusion above is Retriever.fuse's, with k exposed
    return results


async def budgets(args: argparse.Namespace) -> dict[str, Any]:
    """The product's keyword search at other budgets and ranking shares (on a copy of DIR)."""
    from askwell.documents.retrieval import keyword
    from askwell.documents.retrieval.fusion import reciprocal_rank_fusion
    from askwell.documents.retrieval.service import filter_for
    from askwell.documents.retrieval.term_stats import TermStats
    from askwell.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="askwell-bench-exp-"))
    for name in ("askwell.db", "secret_key"):
        if (args.data_dir / name).exists():
            shutil.copy(args.data_dir / name, work / name)
    runtime = await Runtime.start(_corpus.settings(work), start_jobs=False)
    real_stats = keyword.term_stats
    results: dict[str, Any] = {}
    try:
        assistant_id = await retrieval._assistant_id(runtime, _corpus.ASSISTANT)
        names = await retrieval._chunk_names(runtime, assistant_id)
        where = filter_for(assistant_id)
        queries = retrieval._queries()
        vectors = {}
        for q in queries:
            async with runtime.session_factory() as session:
                vectors[q["id"]] = await runtime.retriever.vector(session, where=where, query=q["query"])
        for budget, share in (
            (10**9, 0.5),
            (2000, 0.5),
            (1000, 0.5),
            (500, 0.5),
            (2000, 0.3),
            (2000, 0.2),
            (2000, 0.1),
        ):

            async def stats(session: Any, terms: Any, share: float = share) -> Any:
                found = await real_stats(session, terms)  # "df * 2 < chunks" becomes "df < share * chunks"
                return TermStats(chunks=int(found.chunks * 2 * share), frequencies=found.frequencies)

            keyword.term_stats = stats  # type: ignore[assignment]
            runs: dict[str, list[dict[str, Any]]] = {}
            for q in queries:
                async with runtime.session_factory() as session:
                    found = await keyword.keyword_search(
                        session, where=where, query=q["query"], limit=TOP_K, budget=budget
                    )
                vector = vectors[q["id"]]
                lists = {
                    "keyword": found,
                    **{
                        f"hybrid 1:{w}": reciprocal_rank_fusion(
                            [([i for i, _ in found], 1.0), ([i for i, _ in vector], float(w))], limit=TOP_K
                        )
                        for w in (1, 2)
                    },
                }
                for mode, ranked in lists.items():
                    runs.setdefault(mode, []).append(
                        {"id": q["id"], "ranked": [{"path": names[i], "score": s} for i, s in ranked]}
                    )
            name = f"budget {budget if budget < 10**9 else 'none (plain OR)'}, rank df < {share:.0%}"
            out_dir = _corpus.OUT / f"retrieval_experiments-{args.stamp}" / f"budget{budget}-share{share}"
            scored = retrieval.score_runs(runs, out_dir)
            results[name] = {mode: r["summary"] for mode, r in scored.items()}
    finally:
        keyword.term_stats = real_stats
        await runtime.close()
        shutil.rmtree(work, ignore_errors=True)
    return results


def synthetic_keyword(db: Path, max_shares: list[float], reps: int) -> dict[str, Any]:
    """Keyword search time at the synthetic scale, all terms vs common terms dropped.

    Same SQL as the product's keyword search (its assistant filter included). Document
    frequencies are counted once per term beforehand (not timed); a product would read them
    from an fts5vocab table, whose per-term lookup is timed apart ("vocab lookup").
    """
    import time

    from askwell.documents.retrieval.keyword import query_terms

    connection = sqlite3.connect(db)
    connection.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, 'chunks_fts', 'row')"
    )
    (assistant,) = connection.execute("SELECT assistant_id FROM chunks LIMIT 1").fetchone()
    total = connection.execute("SELECT count(*) FROM chunks").fetchone()[0]
    sql = (
        "SELECT c.id, -bm25(chunks_fts, 1.0, 0.5) FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
        "WHERE chunks_fts MATCH ? AND c.assistant_id = ? ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT 50"
    )
    cache: dict[str, int] = {}
    out: dict[str, Any] = {"chunks": total}
    lookups: list[float] = []
    for max_share in max_shares:
        times, matched, kept_terms = [], [], []
        for _ in range(reps):
            for q in retrieval._queries():
                terms = prune_common(connection, "chunks_fts", query_terms(q["query"]), max_share, cache)
                match = " OR ".join(f'"{t}"' for t in terms)
                started = time.perf_counter()
                connection.execute(sql, (match, assistant)).fetchall()
                times.append(time.perf_counter() - started)
                kept_terms.append(len(terms))
                if max_share == max_shares[0]:
                    started = time.perf_counter()
                    for term in terms:
                        connection.execute("SELECT doc FROM temp.vocab WHERE term = ?", (term,)).fetchall()
                    lookups.append((time.perf_counter() - started) / max(len(terms), 1))
        for q in retrieval._queries():
            terms = prune_common(connection, "chunks_fts", query_terms(q["query"]), max_share, cache)
            match = " OR ".join(f'"{t}"' for t in terms)
            matched.append(
                connection.execute(
                    "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)
                ).fetchone()[0]
            )
        out[f"df<={max_share:.0%}" if max_share < 1 else "all terms"] = {
            **retrieval._summary_ms(times),
            "mean_terms": round(sum(kept_terms) / len(kept_terms), 1),
            "mean_matched_chunks": round(sum(matched) / len(matched)),
        }
    out["vocab lookup per term"] = retrieval._summary_ms(lookups)
    connection.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=_corpus.DEFAULT_CORPUS)
    parser.add_argument(
        "--synthetic-dir",
        type=Path,
        default=None,
        help="also: keyword latency on bench/retrieval.py's synthetic db",
    )
    parser.add_argument(
        "--budgets", action="store_true", help="the product's keyword search at other budgets"
    )
    args = parser.parse_args()
    args.stamp = _corpus.timestamp()
    if not args.synthetic_dir and not args.data_dir:
        parser.error("--data-dir is required (or --synthetic-dir)")
    if args.synthetic_dir:
        timing = synthetic_keyword(args.synthetic_dir / "askwell.db", [1.0, 0.2, 0.1, 0.05], reps=2)
        print(json.dumps(timing, indent=1))
        _corpus.write_json(
            "retrieval_experiments_synthetic", {"machine": _corpus.machine(), **timing}, args.stamp
        )
        return
    results = asyncio.run(budgets(args) if args.budgets else run(args))
    print("\n| variant | keyword (all / faq / ki) | hybrid 1:1 | hybrid 1:2 |")
    print("|---|---|---|---|")
    for name, modes in results.items():
        cells = [
            " / ".join(f"{modes[m][s]['ndcg@10']:.4f}" for s in ("all", "faq", "known-item"))
            for m in ("keyword", "hybrid 1:1", "hybrid 1:2")
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    path = _corpus.write_json(
        "retrieval_experiments",
        {"machine": _corpus.machine(), "data_dir": str(args.data_dir), "results": results},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
