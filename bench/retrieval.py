"""Retrieval quality and latency on a dev set's queries: keyword, vector, hybrid; then 200k chunks.

    python bench/retrieval.py --data-dir DIR            # DIR: the data dir bench/ingest.py kept
    python bench/retrieval.py                           # ingests the corpus first (minutes)
    python bench/retrieval.py --data-dir DIR --synthetic 200000 [--database-url postgresql+asyncpg://...]
    python bench/retrieval.py --corpus pgdocs --data-dir DIR   # the PostgreSQL dev set instead

``--corpus`` picks the dev set (bench/_corpus.py CORPORA): ``sqlite`` (the default) or ``pgdocs``
(bench/data/pgdocs-devset); ``--corpus-dir`` where its pages were built, when not the default.

Quality: each of the 60 queries of ../shared/datasets/docs-devset/queries.jsonl (or the chosen
dev set's queries.jsonl) goes through
``Retriever.search`` (the code behind POST /assistants/{id}/search and the chat) in each mode with
top_k=50 chunks, so that at least 10 distinct pages come out; chunks become pages by document
name (ids like ``c3ref/open.html#c3``) and the run files are scored by docs-devset's score.py.
Extra hybrid rows (``--weights``) fuse the same keyword and vector candidates with other
weights, and with ``K:V:scores`` by score-normalised fusion (``fusion.fuse``, as ``search`` does
with an assistant's retrieval settings).

Latency: the full hybrid search (query embedding, keyword, vector, fusion, loading the chunks),
in a fresh session per query as the API does, over the queries x ``--reps``, after one
warm-up query (whose time, which includes building the in-memory vector matrix, is reported
apart). With ``--synthetic N``, N chunks with random unit vectors (float32, 384-d, the current
embedder's signature) and random text (words drawn by frequency from the corpus vocabulary)
are bulk-inserted into a separate assistant of a separate database, and hybrid, vector-only
and keyword-only latencies are measured on it, with a per-stage breakdown. The stages are
timed one after another in one session, while a hybrid search overlaps some of them (the query
embedding with the keyword search, and on SQLite the matrix product too), so they add up to
more than a hybrid search takes.

Writes the run files next to the JSON: bench/out/retrieval-<timestamp>.json and
bench/out/retrieval-<timestamp>/<mode>.run.jsonl.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus

TOP_K = 50


def _score_module(corpus: _corpus.Corpus = _corpus.SQLITE) -> Any:
    spec = importlib.util.spec_from_file_location("docs_devset_score", corpus.scorer)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _queries(corpus: _corpus.Corpus = _corpus.SQLITE) -> list[dict[str, Any]]:
    lines = corpus.queries.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _summary_ms(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50": round(_pct(ms, 50), 2),
        "p95": round(_pct(ms, 95), 2),
        "max": round(max(ms), 2) if ms else float("nan"),
        "mean": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


# --- quality ------------------------------------------------------------------------------------


async def _assistant_id(runtime: Any, name: str) -> uuid.UUID:
    from askwell.assistants import service as assistant_service

    async with runtime.session_factory() as session:
        assistant = await assistant_service.get_by_name(session=session, name=name)
    if assistant is None:
        raise SystemExit(f"no assistant {name!r} in this data dir")
    return assistant.id


async def _chunk_names(runtime: Any, assistant_id: uuid.UUID) -> dict[int, str]:
    """chunk id -> "page.html#cN" for the whole assistant (to map fused ids without loading)."""
    from sqlalchemy import text

    sqlite = runtime.engine.dialect.name == "sqlite"
    async with runtime.session_factory() as session:
        rows = await session.execute(
            text(
                "SELECT c.id, d.name, c.chunk_index FROM chunks c JOIN documents d ON d.id = c.document_id "
                "WHERE c.assistant_id = :a"
            ),
            {"a": assistant_id.hex if sqlite else assistant_id},
        )
        return {int(i): f"{name}#c{index}" for i, name, index in rows}


async def evaluate(
    runtime: Any,
    assistant_id: uuid.UUID,
    weights: list[tuple[float, float, str]],
    out_dir: Path,
    reranker: str | None = None,
    corpus: _corpus.Corpus = _corpus.SQLITE,
) -> dict[str, Any]:
    from askwell.documents.retrieval.fusion import fuse
    from askwell.documents.retrieval.service import filter_for

    retriever = runtime.retriever
    where = filter_for(assistant_id)
    names = await _chunk_names(runtime, assistant_id)
    runs: dict[str, list[dict[str, Any]]] = {}
    for q in _queries(corpus):
        for mode in ("keyword", "vector", "hybrid"):
            async with runtime.session_factory() as session:
                sources = await retriever.search(
                    session, where=where, query=q["query"], top_k=TOP_K, mode=mode
                )
            ranked = [
                {"path": f"{s.name}#c{s.metadata['chunk_index']}", "score": s.metadata["score"]}
                for s in sources
            ]
            runs.setdefault(mode, []).append({"id": q["id"], "ranked": ranked})
        if reranker:  # the hybrid top 50, reordered by the reranker (as an assistant's search does)
            async with runtime.session_factory() as session:
                sources = await retriever.search(
                    session,
                    where=where,
                    query=q["query"],
                    top_k=TOP_K,
                    reranker=reranker,
                    rerank_candidates=TOP_K,
                    steps=_RerankFailures(reranker),
                )
            ranked = [
                {"path": f"{s.name}#c{s.metadata['chunk_index']}", "score": s.metadata["score"]}
                for s in sources
            ]
            runs.setdefault(f"hybrid+{reranker}", []).append({"id": q["id"], "ranked": ranked})
        async with runtime.session_factory() as session:
            keyword = await retriever.keyword(session, where=where, query=q["query"])
            vector = await retriever.vector(session, where=where, query=q["query"])
        for kw, vw, method in weights:
            fused = fuse([(keyword, kw), (vector, vw)], limit=TOP_K, method=method)
            ranked = [{"path": names[i], "score": s} for i, s in fused]
            label = f"hybrid k{kw:g}:v{vw:g}" + ("" if method == "rrf" else f" {method}")
            runs.setdefault(label, []).append({"id": q["id"], "ranked": ranked})
    return score_runs(runs, out_dir, corpus)


def _fusion_row(spec: str) -> tuple[float, float, str]:
    """ "K:V" (RRF) or "K:V:scores" (score-normalised fusion), as `--weights` takes them."""
    keyword, vector, *method = spec.split(":")
    return float(keyword), float(vector), method[0] if method else "rrf"


class _RerankFailures:
    """A search's steps: a reranker that fails would silently score the fused order, so stop."""

    def __init__(self, reranker: str) -> None:
        self._reranker = reranker

    def started(self, part: str) -> None:
        pass

    def finished(self, part: str, **metadata: Any) -> None:
        if part == "rerank" and metadata.get("fallback"):
            raise SystemExit(f"--reranker {self._reranker} failed: {metadata.get('error')}")


def score_runs(
    runs: dict[str, list[dict[str, Any]]], out_dir: Path, corpus: _corpus.Corpus = _corpus.SQLITE
) -> dict[str, Any]:
    """Write each run file and score it with the dev set's score.py (its --json, and per query)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    score = _score_module(corpus)
    results: dict[str, Any] = {}
    for mode, lines in runs.items():
        path = out_dir / f"{mode.replace(' ', '_').replace(':', '-')}.run.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        official = subprocess.run(
            [sys.executable, str(corpus.scorer), str(path), "--queries", str(corpus.queries), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        per = score.score(str(path), str(corpus.queries))
        results[mode] = {
            "run_file": str(path),
            "summary": json.loads(official.stdout),
            "per_query": {
                qid: {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}
                for qid, m in per.items()
            },
        }
    return results


def _print_quality(results: dict[str, Any], corpus: _corpus.Corpus = _corpus.SQLITE) -> None:
    print("\n| mode | subset | nDCG@10 | Recall@10 | MRR@10 | vs README BM25 nDCG@10 |")
    print("|---|---|---|---|---|---|")
    for mode, r in results.items():
        for subset in ("all", "faq", "known-item"):
            s = r["summary"][subset]
            bm25 = corpus.bm25_ndcg
            change = f"{s['ndcg@10'] / bm25[subset] - 1:+.1%}" if bm25 else "n/a"
            print(
                f"| {mode} | {subset} | {s['ndcg@10']:.4f} | {s['recall@10']:.4f} | "
                f"{s['mrr@10']:.4f} | {change} |"
            )
    print()


def _patch_title_prefix() -> None:
    """Experiment, in this process only: every chunk's heading path starts with the page title.

    Wraps the `split` that askwell.documents.ingestion.pipeline calls (looked up at call time), so the
    title reaches both the embedded text (embedding_text) and the FTS `headings` column.
    """
    from dataclasses import replace

    from askwell.documents.ingestion import pipeline

    split = pipeline.split

    def split_with_title(parsed: Any, **options: Any) -> list[Any]:
        chunks = split(parsed, **options)
        title = (parsed.title or "").strip()
        if not title:
            return chunks
        return [
            c if c.heading_path[:1] == (title,) else replace(c, heading_path=(title, *c.heading_path))
            for c in chunks
        ]

    pipeline.split = split_with_title  # type: ignore[assignment]


# --- latency ------------------------------------------------------------------------------------


async def latency(
    runtime: Any,
    assistant_id: uuid.UUID,
    modes: list[str],
    reps: int,
    breakdown: bool,
    query_step: int = 1,
    corpus: _corpus.Corpus = _corpus.SQLITE,
) -> dict[str, Any]:
    from askwell.documents.retrieval.service import filter_for

    retriever = runtime.retriever
    where = filter_for(assistant_id)
    queries = [q["query"] for q in _queries(corpus)][::query_step]
    out: dict[str, Any] = {"queries": len(queries), "reps": reps}
    started = time.perf_counter()  # first query: builds the in-memory vector matrix (SQLite)
    async with runtime.session_factory() as session:
        await retriever.search(session, where=where, query=queries[0], top_k=TOP_K, mode="hybrid")
    out["first_query_s"] = round(time.perf_counter() - started, 3)
    out["rss_after_first_query_mb"] = round(_rss_mb(), 1)
    samples: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(reps):
        for query in queries:
            for mode in modes:  # interleaved, so that the host's load drifts hit every mode alike
                started = time.perf_counter()
                async with runtime.session_factory() as session:
                    await retriever.search(session, where=where, query=query, top_k=TOP_K, mode=mode)
                samples[mode].append(time.perf_counter() - started)
    for mode in modes:
        out[mode] = _summary_ms(samples[mode])
    if breakdown:
        out["stages"] = await _stages(runtime, where, queries, reps)
    return out


async def _stages(runtime: Any, where: Any, queries: list[str], reps: int) -> dict[str, Any]:
    """Each step of a hybrid search timed alone (same session), to say where the time goes."""
    from sqlalchemy import text

    from askwell.documents.retrieval.keyword import query_terms
    from askwell.documents.retrieval.service import CANDIDATES, embedder_signature
    from askwell.documents.retrieval.term_stats import term_stats

    retriever = runtime.retriever
    signature = embedder_signature(retriever.embedder)
    sqlite = runtime.engine.dialect.name == "sqlite"
    times: dict[str, list[float]] = {}

    def record(name: str, since: float) -> float:
        now = time.perf_counter()
        times.setdefault(name, []).append(now - since)
        return now

    for _ in range(reps):
        for query in queries:
            async with runtime.session_factory() as session:
                t = time.perf_counter()
                vector = await retriever.embedder.embed_query(query)
                t = record("embed query", t)
                await term_stats(session, query_terms(query))
                t = record("keyword: term frequencies (cached)", t)
                keyword = await retriever.keyword(session, where=where, query=query)
                t = record("keyword (frequencies + plan + FTS)", t)
                if sqlite:
                    await session.execute(
                        text("SELECT coalesce(max(id), 0) FROM chunks WHERE assistant_id = :a"),
                        {"a": where.assistant_id.hex},
                    )
                    t = record("vector: change check (max id)", t)
                    found = await retriever._memory_index.search(
                        session, where=where, query=vector, embedder=signature, limit=CANDIDATES
                    )
                    t = record("vector: memory search (check + matmul + top-k + deleted check)", t)
                else:
                    from askwell.documents.retrieval.vector_pg import pg_vector_search

                    found = await pg_vector_search(
                        session, where=where, query=vector, embedder=signature, limit=CANDIDATES
                    )
                    t = record("vector: pgvector HNSW", t)
                fused = retriever.fuse(keyword, found, top_k=TOP_K)
                t = record("fuse", t)
                await retriever.load(session, fused)
                record("load chunks", t)
    return {name: _summary_ms(values) for name, values in times.items()}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- synthetic ----------------------------------------------------------------------------------


def _vocabulary(corpus: Path) -> tuple[list[str], list[int]]:
    """Words of the corpus text (as Askwell's parser extracts it) with their counts."""
    from askwell.documents.ingestion.chunking import document_text
    from askwell.documents.parsing import parse

    counts: Counter[str] = Counter()
    for path, _ in _corpus.pages(corpus):
        counts.update(document_text(parse(path, "html")).split())
    words, freq = zip(*counts.most_common(), strict=True)
    return list(words), list(freq)


async def build_synthetic(
    settings: Any, n_chunks: int, corpus: Path, *, per_document: int = 100, seed: int = 7
) -> dict[str, Any]:
    """A fresh database with one assistant holding `n_chunks` random chunks; returns its id and timings."""
    import numpy as np

    from askwell.assistants import service as assistant_service
    from askwell.assistants.schemas import AssistantCreate
    from askwell.connectors import service as connector_service
    from askwell.connectors.schemas import ConnectorCreate
    from askwell.documents.models import Document, DocumentStatus
    from askwell.documents.retrieval.service import embedder_signature
    from askwell.runtime import Runtime

    runtime = await Runtime.start(settings, start_jobs=False)
    signature = embedder_signature(runtime.retriever.embedder)
    n_docs = (n_chunks + per_document - 1) // per_document
    async with runtime.session_factory() as session:
        assistant = await assistant_service.create(
            session=session, assistant_in=AssistantCreate(name="synthetic")
        )
        connector = await connector_service.create(
            session=session, assistant_id=assistant.id, connector_in=ConnectorCreate(type="documents")
        )
        documents = [
            Document(
                id=uuid.uuid4(),
                connector_id=connector.id,
                assistant_id=assistant.id,
                name=f"synthetic/{i:05d}.txt",
                type="txt",
                size_bytes=0,
                content_hash=f"{i:064x}",
                indexed_hash=f"{i:064x}",
                status=DocumentStatus.READY,
                progress=1.0,
                chunks=min(per_document, n_chunks - i * per_document),
                embedder=signature,
            )
            for i in range(n_docs)
        ]
        session.add_all(documents)
        await session.commit()
        ids = (assistant.id, connector.id, [d.id for d in documents])
    postgres = runtime.engine.dialect.name == "postgresql"
    await runtime.close()

    words, freq = _vocabulary(corpus)
    rng = np.random.default_rng(seed)
    probabilities = np.asarray(freq, dtype=np.float64) / sum(freq)
    lengths = rng.integers(80, 160, size=n_chunks)  # about 200 MiniLM tokens, like real chunks
    picks = rng.choice(len(words), size=int(lengths.sum()), p=probabilities)
    vectors = rng.standard_normal((n_chunks, 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def rows() -> Any:
        position = 0
        for i in range(n_chunks):
            text_ = " ".join(words[j] for j in picks[position : position + lengths[i]])
            position += lengths[i]
            yield (
                ids[2][i // per_document],
                i % per_document,
                text_,
                int(lengths[i]),
                f"{i:064x}",
                vectors[i],
            )

    started = time.perf_counter()
    assistant_id, connector_id, _ = ids
    if postgres:
        await _insert_pg(settings.resolved_database_url, assistant_id, connector_id, rows())
    else:
        _insert_sqlite(Path(settings.data_dir) / "askwell.db", assistant_id, connector_id, rows())
    return {
        "assistant_id": str(assistant_id),
        "chunks": n_chunks,
        "documents": n_docs,
        "vocabulary": len(words),
        "insert_s": round(time.perf_counter() - started, 1),
    }


def _insert_sqlite(db: Path, assistant_id: uuid.UUID, connector_id: uuid.UUID, rows: Any) -> None:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    batch: list[tuple[Any, ...]] = []
    sql = (
        "INSERT INTO chunks (document_id, connector_id, assistant_id, chunk_index, content, heading_path, "
        "headings, page_start, page_end, char_start, char_end, token_count, text_hash, embedding) "
        "VALUES (?, ?, ?, ?, ?, '[]', '', NULL, NULL, 0, ?, ?, ?, ?)"
    )
    for document_id, index, text_, words, text_hash, vector in rows:
        batch.append(
            (
                document_id.hex,
                connector_id.hex,
                assistant_id.hex,
                index,
                text_,
                len(text_),
                words,
                text_hash,
                vector.tobytes(),
            )
        )
        if len(batch) == 10_000:
            connection.executemany(sql, batch)
            batch.clear()
    if batch:
        connection.executemany(sql, batch)
    connection.commit()
    connection.close()


async def _insert_pg(url: str, assistant_id: uuid.UUID, connector_id: uuid.UUID, rows: Any) -> None:
    """COPY into chunks with the HNSW index dropped, then rebuilt (as a bulk load would)."""
    import asyncpg
    from pgvector.asyncpg import register_vector

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await register_vector(connection)
        await connection.execute("DROP INDEX IF EXISTS ix_chunks_embedding_384")
        records = [
            (
                document_id,
                connector_id,
                assistant_id,
                index,
                text_,
                "[]",
                "",
                0,
                len(text_),
                words,
                text_hash,
                vector,
            )
            for document_id, index, text_, words, text_hash, vector in rows
        ]
        columns = [
            "document_id",
            "connector_id",
            "assistant_id",
            "chunk_index",
            "content",
            "heading_path",
            "headings",
            "char_start",
            "char_end",
            "token_count",
            "text_hash",
            "embedding",
        ]
        for start in range(0, len(records), 20_000):
            await connection.copy_records_to_table(
                "chunks", records=records[start : start + 20_000], columns=columns
            )
        await connection.execute("SET maintenance_work_mem = '1GB'")
        await connection.execute(
            "CREATE INDEX ix_chunks_embedding_384 ON chunks USING hnsw ((embedding::vector(384)) "
            "vector_cosine_ops) WHERE vector_dims(embedding) = 384"
        )
        await connection.execute("ANALYZE chunks")
    finally:
        await connection.close()


# --- main ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from askwell.runtime import Runtime

    report: dict[str, Any] = {
        "machine": _corpus.machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    stamp = args.stamp
    corpus = _corpus.CORPORA[args.dataset]
    if not args.skip_quality:
        data_dir = args.data_dir
        ingest: dict[str, Any] | None = None
        overrides = {
            "chunk_tokens": args.chunk_tokens,
            "chunk_overlap": args.chunk_overlap,
            "reranker_base_url": args.reranker_url,
            "reranker_format": args.reranker_format,
        }
        settings = _corpus.settings(data_dir, **{k: v for k, v in overrides.items() if v is not None})
        fresh = not (data_dir / "askwell.db").exists()
        if args.title_prefix:
            if not fresh:
                raise SystemExit("--title-prefix needs a fresh --data-dir (it changes what is ingested)")
            _patch_title_prefix()
        runtime = await Runtime.start(settings, start_jobs=fresh)
        try:
            if fresh:
                print(f"ingesting {args.corpus} into {data_dir} (minutes) ...", flush=True)
                result = await _corpus.ingest_askwell(runtime, args.corpus)
                ingest = {"files": result.files, "chunks": result.chunks, "seconds": round(result.seconds, 1)}
                print(f"  {ingest}", flush=True)
            assistant_id = await _assistant_id(runtime, _corpus.ASSISTANT)
            names = await _chunk_names(runtime, assistant_id)
            report["corpus"] = {
                "data_dir": str(data_dir),
                "chunks": len(names),
                "chunk_tokens": settings.chunk_tokens,
                "chunk_overlap": settings.chunk_overlap,
                "ingest": ingest,
            }
            weights = [_fusion_row(spec) for spec in args.weights]
            out_dir = _corpus.OUT / f"retrieval-{stamp}"
            quality = await evaluate(runtime, assistant_id, weights, out_dir, args.reranker, corpus)
            report["quality"] = quality
            _print_quality(quality, corpus)
            print(f"latency at corpus size ({len(names)} chunks) ...", flush=True)
            report["latency_corpus"] = await latency(
                runtime, assistant_id, ["hybrid", "vector", "keyword"], args.reps, True, corpus=corpus
            )
            _print_latency(report["latency_corpus"])
        finally:
            await runtime.close()

    if args.synthetic:
        report["synthetic"] = await _synthetic(args)
    return report


async def _synthetic(args: argparse.Namespace) -> dict[str, Any]:
    from askwell.runtime import Runtime

    database_name = None
    overrides: dict[str, Any] = {}
    if args.database_url:
        database_name = f"askwell_bench_{uuid.uuid4().hex[:8]}"
        overrides["database_url"] = await _create_pg_database(args.database_url, database_name)
    data_dir = args.synthetic_dir
    settings = _corpus.settings(data_dir, **overrides)
    try:
        existing = not args.database_url and (data_dir / "askwell.db").exists()
        if existing:
            print(f"reusing the synthetic database in {data_dir}", flush=True)
            built = {"reused": str(data_dir)}
        else:
            print(f"inserting {args.synthetic} synthetic chunks ...", flush=True)
            built = await build_synthetic(settings, args.synthetic, args.corpus)
            print(f"  {built}", flush=True)
        runtime = await Runtime.start(settings, start_jobs=False)
        try:
            assistant_id = await _assistant_id(runtime, "synthetic")
            result = await latency(
                runtime,
                assistant_id,
                ["hybrid", "vector", "keyword"],
                args.reps,
                True,
                args.query_step,
                _corpus.CORPORA[args.dataset],
            )
        finally:
            await runtime.close()
        result["build"] = built
        result["backend"] = "postgresql" if args.database_url else "sqlite"
        _print_latency(result, title=f"{args.synthetic} synthetic chunks, {result['backend']}")
        return result
    finally:
        if database_name:
            await _drop_pg_database(args.database_url, database_name)


async def _create_pg_database(url: str, name: str) -> str:
    import asyncpg

    admin = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()
    database = await asyncpg.connect(admin.rsplit("/", 1)[0] + "/" + name)
    try:
        await database.execute("CREATE EXTENSION IF NOT EXISTS vector")
    finally:
        await database.close()
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def _drop_pg_database(url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await connection.close()


def _print_latency(result: dict[str, Any], title: str = "corpus") -> None:
    print(
        f"\nlatency, {title}: first query {result['first_query_s']} s (vector matrix build included), "
        f"RSS after it {result['rss_after_first_query_mb']} MB"
    )
    print("| search | n | p50 ms | p95 ms | max ms | mean ms |")
    print("|---|---|---|---|---|---|")
    rows = [(m, result[m]) for m in ("hybrid", "vector", "keyword") if m in result]
    rows += [(f"stage: {k}", v) for k, v in result.get("stages", {}).items()]
    for name, s in rows:
        print(f"| {name} | {s['n']} | {s['p50']} | {s['p95']} | {s['max']} | {s['mean']} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _corpus.add_corpus_arguments(parser)
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="Askwell data dir with the corpus ingested"
    )
    parser.add_argument("--chunk-tokens", type=int, default=None, help="for a fresh ingest only")
    parser.add_argument("--chunk-overlap", type=int, default=None, help="for a fresh ingest only")
    parser.add_argument(
        "--title-prefix",
        action="store_true",
        help="experiment, fresh ingest only: page title heads every chunk",
    )
    parser.add_argument(
        "--weights",
        nargs="*",
        default=["1:1", "2:1", "1:2", "1:0.5", "3:1"],
        help="extra hybrid rows, K:V (RRF) or K:V:scores (normalised scores)",
    )
    parser.add_argument(
        "--reranker", default=None, help='extra row: hybrid reranked by SPEC, e.g. "http:bge-reranker-v2-m3"'
    )
    parser.add_argument("--reranker-url", default=None, help="its server (ASKWELL_RERANKER_BASE_URL)")
    parser.add_argument("--reranker-format", default=None, choices=["rerank", "tei"])
    parser.add_argument("--reps", type=int, default=3, help="latency repetitions of the queries")
    parser.add_argument(
        "--query-step", type=int, default=1, help="synthetic latency: every Nth query only (slow back ends)"
    )
    parser.add_argument("--skip-quality", action="store_true", help="only the synthetic latency")
    parser.add_argument("--synthetic", type=int, default=0, help="chunks of the synthetic latency run")
    parser.add_argument("--synthetic-dir", type=Path, default=None, help="SQLite data dir for it (reused)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL: synthetic run there")
    args = parser.parse_args()
    _corpus.chosen_corpus(args)
    args.data_dir = args.data_dir or Path(f"/tmp/askwell-bench-retrieval-{_corpus.timestamp()}")
    args.synthetic_dir = args.synthetic_dir or Path(f"/tmp/askwell-bench-synthetic-{args.synthetic}")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    random.seed(7)
    args.stamp = _corpus.timestamp()
    report = asyncio.run(run(args))
    path = _corpus.write_json("retrieval", report, args.stamp)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
