"""Shared by bench/ingest.py and bench/retrieval.py: the dev-set corpora, the machine, Askwell's ingest.

Two corpora (``CORPORA``, chosen with ``--corpus NAME``): ``sqlite``, the default, built by
``../shared/datasets/docs-devset/build_corpus.sh OUT`` (759 HTML pages of the SQLite
documentation), and ``pgdocs``, built by ``bench/data/pgdocs-devset/build_corpus.sh OUT`` (420
pages of the PostgreSQL 15 documentation). Both are scored by docs-devset's score.py. Nothing here
imports llama-index: the peer runs in its own venv.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATASET = (ROOT / ".." / "shared" / "datasets" / "docs-devset").resolve()
DEFAULT_CORPUS = Path("/tmp/docs-devset-corpus")
OUT = ROOT / "bench" / "out"
ASSISTANT = "bench"


@dataclass(frozen=True)
class Corpus:
    """A retrieval dev set: where its pages are built by default, its queries and its scorer."""

    name: str
    dataset: Path  # the folder with build_corpus.sh and queries.jsonl
    default_dir: Path  # the OUT_DIR the commands in the docstrings pass to build_corpus.sh
    marker: str  # a page every build has, to tell a built corpus from a wrong folder
    scorer: Path  # a score.py: run as a script (--queries, --json) and imported (score())
    bm25_ndcg: dict[str, float] | None  # page-level BM25 nDCG@10 by subset, from the dataset's README

    @property
    def queries(self) -> Path:
        return self.dataset / "queries.jsonl"

    def check_built(self, corpus_dir: Path) -> None:
        if not (corpus_dir / self.marker).exists():
            raise SystemExit(
                f"no {self.name} corpus at {corpus_dir}: run {self.dataset / 'build_corpus.sh'} {corpus_dir}"
            )


CORPORA = {
    "sqlite": Corpus(
        name="sqlite",
        dataset=DATASET,
        default_dir=DEFAULT_CORPUS,
        marker="index.html",
        scorer=DATASET / "score.py",
        bm25_ndcg={"all": 0.4726, "faq": 0.3083, "known-item": 0.5547},
    ),
    # Same query fields and kinds as docs-devset, so its score.py scores it (with --queries).
    "pgdocs": Corpus(
        name="pgdocs",
        dataset=ROOT / "bench" / "data" / "pgdocs-devset",
        default_dir=Path("/tmp/pgdocs-corpus"),
        marker="sql-select.html",
        scorer=DATASET / "score.py",
        bm25_ndcg=None,
    ),
}
SQLITE = CORPORA["sqlite"]


def timestamp() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def pages(corpus: Path, limit: int | None = None) -> list[tuple[Path, str]]:
    """(file, relative name) of the corpus pages in the order `askwell ingest` takes them."""
    found = sorted(p for p in corpus.rglob("*.html") if p.is_file())
    items = [(p, p.relative_to(corpus).as_posix()) for p in found]
    return items[:limit] if limit else items


def subset_dir(corpus: Path, limit: int | None, where: Path) -> Path:
    """The corpus itself, or a folder of symlinks to its first `limit` pages (same relative names)."""
    if not limit:
        return corpus
    where.mkdir(parents=True, exist_ok=True)
    for path, name in pages(corpus, limit):
        link = where / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(path)
    return where


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg": os.getloadavg(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--", "src")),
        "date_utc": time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime()),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except OSError:
        return ""


def cpu_busy_seconds() -> float:
    """Machine-wide busy CPU seconds so far (/proc/stat), to tell others' load from ours."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    busy = sum(values[:8]) - idle
    return busy / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def write_json(name: str, data: dict[str, Any], stamp: str | None = None) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}-{stamp or timestamp()}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def settings(data_dir: Path, **overrides: Any) -> Any:
    """Embedded defaults (SQLite in `data_dir`, in-process memory), ignoring any .env or ASKWELL_* env."""
    from askwell.settings import Settings

    for key in [k for k in os.environ if k.startswith("ASKWELL_")]:
        os.environ.pop(key)
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@dataclass
class IngestResult:
    files: int
    chunks: int
    failed: list[tuple[str, str]]
    seconds: float


async def ingest_askwell(runtime: Any, corpus: Path, assistant: str = ASSISTANT) -> IngestResult:
    """What `askwell ingest CORPUS --assistant NAME` does, after creating the assistant."""
    from askwell.assistants import service as assistant_service
    from askwell.assistants.schemas import AssistantCreate
    from askwell.cli.ingest import ingest_paths

    async with runtime.session_factory() as session:
        if await assistant_service.get_by_name(session=session, name=assistant) is None:
            await assistant_service.create(session=session, assistant_in=AssistantCreate(name=assistant))
            await session.commit()
    started = time.perf_counter()
    summary = await ingest_paths(
        runtime, assistant_name=assistant, paths=[corpus], progress=lambda done, total: None
    )
    return IngestResult(
        files=summary.files,
        chunks=summary.chunks,
        failed=summary.failed,
        seconds=time.perf_counter() - started,
    )


async def chunk_texts(runtime: Any, assistant: str = ASSISTANT) -> list[tuple[str, list[str]]]:
    """(document name, [embedded text of each chunk]) in ingestion order, as the pipeline embedded them.

    Rebuilt from the stored chunks with the pipeline's own `embedding_text`, and checked against
    the stored text_hash, so the "limit" embeds exactly what Askwell embedded.
    """
    import hashlib

    from sqlalchemy import text

    from askwell.documents.ingestion.chunking import Chunk
    from askwell.documents.ingestion.pipeline import embedding_text

    async with runtime.session_factory() as session:
        rows = await session.execute(
            text(
                "SELECT d.name, c.chunk_index, c.content, c.heading_path, c.text_hash "
                "FROM chunks c JOIN documents d ON d.id = c.document_id "
                "JOIN assistants a ON a.id = c.assistant_id WHERE a.name = :name "
                "ORDER BY d.name, c.chunk_index"
            ),
            {"name": assistant},
        )
        grouped: dict[str, list[str]] = {}
        for name, index, content, heading_path, text_hash in rows:
            path = json.loads(heading_path) if isinstance(heading_path, str) else heading_path
            chunk = Chunk(index, content, None, None, tuple(path or ()), 0, 0, 0)
            embedded = embedding_text(chunk)
            if hashlib.sha256(embedded.encode()).hexdigest() != text_hash:
                raise RuntimeError(f"cannot rebuild the embedded text of {name} chunk {index}")
            grouped.setdefault(name, []).append(embedded)
    return list(grouped.items())


def add_corpus_arguments(parser: Any) -> None:
    """`--corpus NAME` (which dev set: pages, queries, scorer) and `--corpus-dir` (where it was built)."""
    parser.add_argument(
        "--corpus",
        dest="dataset",
        choices=sorted(CORPORA),
        default="sqlite",
        help="dev set (default sqlite; its folder is --corpus-dir)",
    )
    parser.add_argument(
        "--corpus-dir",
        dest="corpus",
        type=Path,
        default=None,
        help="the built corpus folder (default: the dev set's, e.g. /tmp/docs-devset-corpus)",
    )


def chosen_corpus(args: Any) -> Corpus:
    """The dev set named by --corpus; fills in --corpus-dir's default and checks that it was built."""
    corpus = CORPORA[args.dataset]
    args.corpus = args.corpus or corpus.default_dir
    corpus.check_built(args.corpus)
    return corpus
