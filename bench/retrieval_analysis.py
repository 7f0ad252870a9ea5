"""Per-query reading of a bench/retrieval.py run: where the relevant page ranked, and why it was missed.

    python bench/retrieval_analysis.py bench/out/retrieval-<timestamp>.json [--data-dir DIR] [--mode hybrid]

For each query: the rank (1-10, "-" when outside the top 10 pages) of the first relevant page
in the keyword, vector and hybrid runs. For the queries the chosen mode misses, or finds below
rank 3: the pages ranked above, the share of the query's keyword terms (as Askwell's keyword
search takes them) found anywhere in the relevant page's chunks, and the page's chunk count.
Summary lines count chunks that are only a heading, and pages above the relevant one that are
release logs (near-duplicate text across pages).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus


def _pages(run_file: str) -> dict[str, list[str]]:
    out = {}
    for line in Path(run_file).read_text().splitlines():
        row = json.loads(line)
        seen: list[str] = []
        for item in row["ranked"]:
            page = item["path"].split("#", 1)[0]
            if page not in seen:
                seen.append(page)
        out[row["id"]] = seen[:10]
    return out


def _first(pages: list[str], qrels: set[str]) -> str:
    return next((str(i + 1) for i, p in enumerate(pages) if p in qrels), "-")


def main() -> None:
    from askwell.documents.retrieval.keyword import query_terms

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("report", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--mode", default="hybrid")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    data_dir = args.data_dir or Path(report["corpus"]["data_dir"])
    db = sqlite3.connect(f"file:{data_dir / 'askwell.db'}?mode=ro", uri=True)
    text: dict[str, str] = {}
    chunks: dict[str, int] = {}
    for name, content, headings in db.execute(
        "SELECT d.name, c.content, c.headings FROM chunks c JOIN documents d ON d.id = c.document_id"
    ):
        text[name] = text.get(name, "") + " " + headings + " " + content
        chunks[name] = chunks.get(name, 0) + 1
    heading_only = db.execute("SELECT count(*) FROM chunks WHERE content = headings").fetchone()[0]
    tiny = db.execute("SELECT count(*) FROM chunks WHERE token_count < 8").fetchone()[0]
    total = db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    runs = {mode: _pages(r["run_file"]) for mode, r in report["quality"].items()}
    queries = {
        q["id"]: q for q in map(json.loads, (_corpus.DATASET / "queries.jsonl").read_text().splitlines())
    }
    print(
        "| query | kind | keyword | vector | hybrid | " + (f"{args.mode} |" if args.mode != "hybrid" else "")
    )
    misses = []
    for qid, q in queries.items():
        qrels = set(q["qrels"])
        ranks = {m: _first(runs[m][qid], qrels) for m in ("keyword", "vector", "hybrid", args.mode)}
        extra = f" {ranks[args.mode]} |" if args.mode != "hybrid" else ""
        print(f"| {qid} | {q['kind']} | {ranks['keyword']} | {ranks['vector']} | {ranks['hybrid']} |{extra}")
        if ranks[args.mode] == "-" or int(ranks[args.mode]) > 3:
            misses.append((qid, q, ranks))
    print(f"\n{len(misses)} queries with no relevant page in the top 3 ({args.mode}):\n")
    release_above = 0
    for qid, q, ranks in misses:
        terms = query_terms(q["query"])
        top = runs[args.mode][qid]
        cut = int(ranks[args.mode]) - 1 if ranks[args.mode] != "-" else 10
        above = top[:cut]
        release_above += sum(p.startswith("releaselog/") for p in above)
        print(f"- {qid} ({q['kind']}): ranks k/v/h {ranks['keyword']}/{ranks['vector']}/{ranks['hybrid']}")
        for page in q["qrels"]:
            body = text.get(page, "").lower()
            found = [t for t in terms if t in body]
            missing = ", ".join(t for t in terms if t not in found)
            print(
                f"    relevant {page}: {chunks.get(page, 0)} chunks, "
                f"{len(found)}/{len(terms)} query terms in it ({missing} missing)"
            )
        print(f"    above it: {', '.join(above[:5])}")
    print(
        f"\nchunks: {total}; heading only (content == headings): {heading_only}; under 8 tokens: {tiny}; "
        f"release-log pages ranked above a missed relevant page: {release_above}"
    )


if __name__ == "__main__":
    main()
