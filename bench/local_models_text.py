"""Real text for bench/local_models.py: RAG passages and 256-token chunks from the SQLite docs.

The text is the docs-devset corpus (SQLite 3.40.1 HTML documentation, public domain), built
from the pinned .deb kept in ../shared/datasets/docs-devset by its build_corpus.sh, offline.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO.parent / "shared" / "datasets" / "docs-devset"
DEFAULT_CORPUS = Path("/tmp/askwell-bench-sqlite-docs")

_BLOCKS = {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr", "pre", "blockquote", "dt", "dd"}


class _Text(HTMLParser):
    """Visible text, one paragraph per block element; <script> and <style> dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag in _BLOCKS:
            self.parts.append("\x00")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def ensure_corpus(corpus: Path = DEFAULT_CORPUS) -> Path:
    """The corpus folder, built with the devset's build_corpus.sh (a few seconds) when absent."""
    if (corpus / "autoinc.html").is_file():
        return corpus
    script = DEVSET / "build_corpus.sh"
    if not script.is_file():
        raise SystemExit(f"no corpus at {corpus} and no {script} to build it: pass --corpus DIR")
    subprocess.run(["bash", str(script), str(corpus)], check=True, capture_output=True, text=True)
    return corpus


def paragraphs(page: Path, min_words: int = 25) -> list[str]:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    blocks = (re.sub(r"\s+", " ", block).strip() for block in "".join(parser.parts).split("\x00"))
    return [block for block in blocks if len(block.split()) >= min_words]


@dataclass(frozen=True)
class PassageSpec:
    page: str
    paragraph: int  # index among the page's paragraphs of >= 25 words
    words: int  # the passage is cut after this many words (consecutive paragraphs joined)


# Two RAG turns with the same assistant: question 1 is about AUTOINCREMENT, question 2 (the
# "different question" of the warm run) about WAL, each with six retrieved passages, two of
# them off-topic as a real retriever returns. About 700 prompt tokens each with Qwen2.5.
SYSTEM_PROMPT = (
    "You are the documentation assistant of a team that embeds SQLite in its products. "
    "Developers ask you how SQLite behaves; answer precisely and briefly, and mention the "
    "relevant SQL keyword or pragma when there is one."
)
QUESTIONS: dict[str, tuple[str, list[PassageSpec]]] = {
    "q1": (
        "How does AUTOINCREMENT change the way SQLite picks the ROWID of a new row?",
        [
            PassageSpec("autoinc.html", 10, 80),
            PassageSpec("autoinc.html", 8, 80),
            PassageSpec("autoinc.html", 11, 72),
            PassageSpec("autoinc.html", 9, 63),
            PassageSpec("wal.html", 0, 54),
            PassageSpec("autoinc.html", 0, 46),
        ],
    ),
    "q2": (
        "What does WAL mode change about how a commit is written, and when are the changes "
        "copied back into the database file?",
        [
            PassageSpec("wal.html", 8, 85),
            PassageSpec("wal.html", 7, 75),
            PassageSpec("wal.html", 11, 85),
            PassageSpec("wal.html", 9, 55),
            PassageSpec("autoinc.html", 10, 60),
            PassageSpec("wal.html", 6, 70),
        ],
    ),
}


def passages(corpus: Path, specs: list[PassageSpec]) -> list[str]:
    out = []
    for spec in specs:
        paras = paragraphs(corpus / spec.page)
        words = " ".join(paras[spec.paragraph :]).split()[: spec.words]
        out.append(" ".join(words))
    return out


def corpus_text(corpus: Path, min_chars: int) -> str:
    """Paragraph text of the corpus pages in sorted order, until at least `min_chars`."""
    pieces: list[str] = []
    size = 0
    for page in sorted(corpus.rglob("*.html")):
        for block in paragraphs(page):
            pieces.append(block)
            size += len(block) + 1
        if size >= min_chars:
            break
    return "\n".join(pieces)


def token_chunks(corpus: Path, tokenizer_json: str, count: int, tokens: int = 256) -> list[str]:
    """`count` consecutive pieces of corpus text that tokenise to exactly `tokens` word pieces
    ([CLS] and [SEP] included) with the embedder's tokenizer, untruncated."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(tokenizer_json)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    text = corpus_text(corpus, min_chars=count * tokens * 6)
    encoding = tokenizer.encode(text)
    pieces, offsets = encoding.tokens, encoding.offsets
    body = tokens - 2
    chunks: list[str] = []
    position = 1  # after [CLS]
    while len(chunks) < count and position + body < len(pieces) - 1:
        if pieces[position].startswith("##"):  # start at a word
            position += 1
            continue
        chunk = text[offsets[position][0] : offsets[position + body - 1][1]]
        if len(tokenizer.encode(chunk).ids) == tokens:
            chunks.append(chunk)
            position += body
        else:
            position += 1
    if len(chunks) < count:
        raise SystemExit(f"only {len(chunks)} chunks of {tokens} tokens in the corpus text")
    return chunks
