"""Grounded document answers with the local model: prompt size, speed, and answer quality.

    PYTHONPATH=src .venv/bin/python bench/answer_quality.py [--ids faq-q1,...]
        [--unanswerable-ids faq-q1,...] [--max-tokens 160] [--label after] [--rescore OUT.json]

Questions: FAQ queries of ../shared/datasets/docs-devset (the only ones with a reference
answer), a fixed selection (ANSWERABLE), and unanswerable variants of some (UNANSWERABLE):
the same question with every passage from its relevant pages (qrels) removed from the
retrieved list, so that no passage comes from a page the FAQ answer links to (other pages
may still say part of it: the SQLite documentation repeats itself).

Passages: the relevant pages of those queries plus every 25th other page of the corpus
(fixed), parsed and chunked by askwell (its HTML parser and chunker at the default 200/40
tokens), embedded with askwell's default embedder; each question takes the top 5 chunks
by cosine (vector only: the product fuses this with keyword search). They are cached in
/tmp so that a before and an after run read the same passages.

Each question is answered as the generate stage does: askwell.chat.prompting.build_prompt
with the model's window budget (and, where the code has one, the local passage budget
from the default Settings), the real local model through LocalChatModel.stream, and the
answer through askwell's AnswerChecks. Run it on main's code for the "before"
(PYTHONPATH=/work/main/src) and on the branch for the "after".

Reported per question and in total: prompt tokens (llama.cpp's count), time to the first
shown token and total time (indicative only on a shared 2-core machine), token-F1 and
token recall against the reference answer (SQuAD normalisation, askwell.evaluation.metrics),
citation accuracy (cited passages that come from a relevant page), meta sentences
("The passage that supports this answer is [2].") in the model's raw text and in the shown
answer, code or SQL statements in the answers to how-to questions, abstention on the
unanswerable variants and false abstention on the answerable ones. Writes
bench/out/answer_quality-<label>-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import local_models_text as corpus_text  # noqa: E402

from askwell.chat import prompting  # noqa: E402
from askwell.documents.ingestion.chunking import split  # noqa: E402
from askwell.documents.ingestion.pipeline import embedding_text  # noqa: E402
from askwell.documents.ingestion.tokens import token_counter  # noqa: E402
from askwell.documents.parsing import parse  # noqa: E402
from askwell.embeddings.registry import EmbedderRegistry  # noqa: E402
from askwell.evaluation.metrics import is_abstention, normalise_answer, token_f1  # noqa: E402
from askwell.llm.base import GenerationOptions  # noqa: E402
from askwell.llm.registry import ModelRegistry  # noqa: E402
from askwell.settings import Settings  # noqa: E402
from askwell.turn.answer_checks import AnswerChecks  # noqa: E402
from askwell.turn.events import Source  # noqa: E402

REPO = BENCH.parent
# The devset lies beside the main checkout; a worktree elsewhere finds it through --devset.
DEVSET = corpus_text.DEVSET if corpus_text.DEVSET.is_dir() else Path("/work/shared/datasets/docs-devset")
DEFAULT_CORPUS = Path("/tmp/askwell-answers-corpus")
MODELS = (
    Path("/work/main/data/models") if not (REPO / "data" / "models").exists() else REPO / "data" / "models"
)
TOP_K = 5
DISTRACTOR_STRIDE = 25
MODEL = "local:qwen2.5-coder-1.5b"
# A fixed selection that a run on two shared cores finishes in about 15 minutes: three how-to
# questions (q1, q7, q11) among seven answerable ones, and four unanswerable variants.
ANSWERABLE = "faq-q1,faq-q2,faq-q5,faq-q6,faq-q7,faq-q11,faq-q13"
UNANSWERABLE = "faq-q1,faq-q2,faq-q6,faq-q13"

_HOW_TO = re.compile(r"^\s*how (do|can|should|would) (i|you|we)\b|^\s*how to\b", re.I)
_CODE = re.compile(
    r"```|^\s*(CREATE|SELECT|INSERT|ALTER|PRAGMA|UPDATE|DELETE|VACUUM|BEGIN|COMMIT|DROP)\b.*", re.I | re.M
)
_CITED = re.compile(r"\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]")
# Counted here on its own terms (not with the product's check): a sentence whose words, its
# citations left out, only point at a passage ("This is [2].", "This is supported by passages [1].").
_POINTING = frozenset(
    "this that it is are the a passage passages source sources context supported supports support by from "
    "in found based on answer information comes come can be which according to and as see".split()
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def _meta_sentences(text: str) -> int:
    count = 0
    for sentence in _SENTENCES.split(text):
        words = re.findall(r"[a-z]+", _CITED.sub(" ", sentence).lower())
        pointed = _CITED.search(sentence) or {"passage", "passages", "source", "sources"} & set(words)
        count += bool(len(words) >= 2 and pointed and set(words) <= _POINTING)
    return count


@dataclass
class Case:
    id: str
    query: str
    reference: str
    relevant: list[str]
    answerable: bool
    passages: list[dict[str, Any]]  # {"page", "text", "heading_path"} in rank order


def _queries(devset: Path) -> list[dict[str, Any]]:
    lines = (devset / "queries.jsonl").read_text().splitlines()
    return [q for q in map(json.loads, lines) if q["kind"] == "faq"]


async def _retrieve(
    corpus: Path, queries: list[dict[str, Any]], cache: Path
) -> dict[str, list[dict[str, Any]]]:
    """The ranked passages of each query (relevant ones included), cached across runs."""
    if (cached := _read_json(cache)) is not None:
        return cached
    chunks, texts = _corpus_chunks(corpus, queries)
    embedder = EmbedderRegistry(Settings(_env_file=None)).get()  # type: ignore[call-arg]
    started = time.perf_counter()
    matrix = np.asarray(await embedder.embed(texts))
    matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    print(f"embedded {len(chunks)} chunks in {time.perf_counter() - started:.0f} s")
    ranked: dict[str, list[dict[str, Any]]] = {}
    for q in queries:
        query = np.asarray(await embedder.embed_query(q["query"])).reshape(-1)
        order = np.argsort(-(matrix @ (query / np.linalg.norm(query))))[:40]
        ranked[q["id"]] = [chunks[i] for i in order]
    await embedder.aclose()
    _write_json(cache, ranked)
    return ranked


def _corpus_chunks(corpus: Path, queries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The chunks of the relevant pages and of every DISTRACTOR_STRIDE-th other page, and what is embedded."""
    relevant = {page for q in queries for page in q["qrels"]}
    others = [p.relative_to(corpus).as_posix() for p in sorted(corpus.rglob("*.html"))]
    pages = sorted(relevant | {name for name in others[::DISTRACTOR_STRIDE] if name not in relevant})
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    chunks: list[dict[str, Any]] = []
    texts: list[str] = []
    for name in pages:
        parsed = parse(corpus / name, "html")
        for chunk in split(
            parsed,
            chunk_tokens=settings.chunk_tokens,
            overlap_tokens=settings.chunk_overlap,
            count_tokens=token_counter(),
        ):
            chunks.append({"page": name, "text": chunk.text, "heading_path": list(chunk.heading_path)})
            texts.append(embedding_text(chunk))
    return chunks, texts


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def _cases(queries: list[dict[str, Any]], ranked: dict[str, list[dict[str, Any]]], args: Any) -> list[Case]:
    by_id = {q["id"]: q for q in queries}
    cases = []
    for qid in args.ids.split(","):
        q = by_id[qid]
        cases.append(Case(qid, q["query"], q["reference_answer"], q["qrels"], True, ranked[qid][:TOP_K]))
    for qid in args.unanswerable_ids.split(","):
        q = by_id[qid]
        rest = [p for p in ranked[qid] if p["page"] not in q["qrels"]][:TOP_K]
        cases.append(Case(qid + "-unanswerable", q["query"], q["reference_answer"], q["qrels"], False, rest))
    return cases


def _prompt_kwargs(settings: Settings) -> dict[str, Any]:
    """The local passage budget, where the code under test has one (the branch; not main)."""
    if "passage_budget" in inspect.signature(prompting.build_prompt).parameters:
        return {
            "passage_budget": prompting.PassageBudget(settings.local_passages, settings.local_passage_tokens)
        }
    return {}


def _recall(prediction: str, reference: str) -> float:
    predicted, expected = normalise_answer(prediction), normalise_answer(reference)
    common = sum((Counter(predicted) & Counter(expected)).values())
    return common / len(expected) if expected else 0.0


async def _answer(model: Any, case: Case, settings: Settings, options: GenerationOptions) -> dict[str, Any]:
    sources = [
        Source(
            id=str(i),
            name=p["page"],
            type="html",
            content=p["text"],
            metadata={"heading_path": p["heading_path"]},
        )
        for i, p in enumerate(case.passages)
    ]
    prompt = prompting.build_prompt(
        system_prompt=corpus_text.SYSTEM_PROMPT,
        question=case.query,
        memory=[],
        sources=sources,
        language=None,
        budget=prompting.Budget(model.context_window, options.max_tokens, model.count_tokens),
        **_prompt_kwargs(settings),
    )
    used = getattr(prompt, "sources", sources[: prompt.passages_used])  # main's Prompt has no sources
    checks = AnswerChecks(instructions=prompt.messages[0].content, source_count=len(used))
    raw: list[str] = []
    shown: list[str] = []
    first: float | None = None
    usage = None
    started = time.perf_counter()
    async for chunk in model.stream(prompt.messages, options):
        if chunk.text:
            raw.append(chunk.text)
            if text := checks.feed(chunk.text):
                first = first if first is not None else time.perf_counter() - started
                shown.append(text)
        if chunk.usage is not None:
            usage = chunk.usage
    shown.append(checks.flush())
    total = time.perf_counter() - started
    answer, raw_text = "".join(shown), "".join(raw)
    cited = sorted(checks.cited)
    cited_pages = [used[n - 1].name for n in cited]
    how_to = bool(_HOW_TO.search(case.query))
    return {
        "id": case.id,
        "query": case.query,
        "answerable": case.answerable,
        "how_to": how_to,
        "passages_used": prompt.passages_used,
        "relevant_passage_in_prompt": any(s.name in case.relevant for s in used),
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "user_message_tokens": model.count_tokens(prompt.messages[-1].content),
        "completion_tokens": usage.completion_tokens if usage else None,
        "ttft_s": round(first, 2) if first is not None else None,
        "total_s": round(total, 2),
        "f1": round(token_f1(answer, case.reference), 4) if case.answerable else None,
        "recall": round(_recall(answer, case.reference), 4) if case.answerable else None,
        "cited": cited,
        "cited_relevant": sum(p in case.relevant for p in cited_pages) if case.answerable else None,
        "meta_raw": _meta_sentences(raw_text),
        "meta_shown": _meta_sentences(answer),
        "code": bool(_CODE.search(answer)) if how_to else None,
        "abstained": is_abstention(answer),
        "answer": answer,
        "raw": raw_text,
    }


def _mean(values: list[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    cited_total = sum(len(r["cited"]) for r in answerable)
    how_to = [r for r in answerable if r["how_to"]]
    return {
        "questions": len(rows),
        "prompt_tokens_mean": _mean([r["prompt_tokens"] for r in rows]),
        "user_message_tokens_mean": _mean([r["user_message_tokens"] for r in rows]),
        "ttft_s_mean": _mean([r["ttft_s"] for r in rows]),
        "ttft_s_median": float(np.median([r["ttft_s"] for r in rows if r["ttft_s"] is not None] or [0])),
        "total_s_mean": _mean([r["total_s"] for r in rows]),
        "completion_tokens_mean": _mean([r["completion_tokens"] for r in rows]),
        "f1_mean": _mean([r["f1"] for r in answerable]),
        "recall_mean": _mean([r["recall"] for r in answerable]),
        "relevant_passage_in_prompt": _mean([r["relevant_passage_in_prompt"] for r in answerable]),
        "citation_accuracy": round(sum(r["cited_relevant"] for r in answerable) / cited_total, 4)
        if cited_total
        else None,
        "answers_citing_a_relevant_passage": _mean([bool(r["cited_relevant"]) for r in answerable]),
        "meta_sentences_raw": sum(r["meta_raw"] for r in rows),
        "meta_sentences_shown": sum(r["meta_shown"] for r in rows),
        "how_to_with_code": f"{sum(bool(r['code']) for r in how_to)}/{len(how_to)}",
        "abstention_unanswerable": f"{sum(r['abstained'] for r in unanswerable)}/{len(unanswerable)}",
        "false_abstention_answerable": f"{sum(r['abstained'] for r in answerable)}/{len(answerable)}",
    }


def _rescore(path: Path) -> None:
    """The measures of an earlier run's answers, recounted with this version of the bench."""
    data = _read_json(path)
    for row in data["rows"]:
        row["meta_shown"] = _meta_sentences(row["answer"])
        row["meta_raw"] = _meta_sentences(row.get("raw", row["answer"]))
    data["summary"] = _summary(data["rows"])
    _write_json(path, data)
    print(json.dumps(data["summary"], indent=2))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ids", default=ANSWERABLE, help="FAQ queries asked as they are")
    parser.add_argument("--unanswerable-ids", default=UNANSWERABLE, help="asked without their relevant pages")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--label", default="run")
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/askwell-answer-quality-passages.json"))
    parser.add_argument("--rescore", type=Path, help="recount an earlier output's measures, run nothing")
    args = parser.parse_args()
    if args.rescore:
        _rescore(args.rescore)
        return

    corpus = corpus_text.ensure_corpus(args.corpus)
    queries = _queries(args.devset)
    cases = _cases(queries, await _retrieve(corpus, queries, args.cache), args)
    settings = Settings(models_dir=MODELS, default_model=MODEL, temperature=0.0, _env_file=None)  # type: ignore[call-arg]
    model: Any = ModelRegistry(settings).get(MODEL)
    await model.warm()
    options = GenerationOptions(max_tokens=args.max_tokens, temperature=0.0)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = REPO / "bench" / "out" / f"answer_quality-{args.label}-{stamp}.json"
    used = {
        "max_tokens": args.max_tokens,
        "top_k": TOP_K,
        "threads": settings.local_threads,
        **{k: str(v) for k, v in _prompt_kwargs(settings).items()},
    }
    rows: list[dict[str, Any]] = []
    for case in cases:
        row = await _answer(model, case, settings, options)
        rows.append(row)
        # Written after every question: a run stopped early still leaves what it measured.
        _write_json(out, {"label": args.label, "settings": used, "summary": _summary(rows), "rows": rows})
        print(
            f"{row['id']:<22} prompt {row['prompt_tokens']:>5}  ttft {row['ttft_s']}s  "
            f"total {row['total_s']}s  f1 {row['f1']}  cited {row['cited']}  "
            f"abstained {row['abstained']}  code {row['code']}",
            flush=True,
        )
    summary = _summary(rows)
    print(json.dumps(summary, indent=2))
    _write_json(out, {"label": args.label, "settings": used, "summary": summary, "rows": rows})
    print(f"wrote {out}")


if __name__ == "__main__":
    asyncio.run(main())
