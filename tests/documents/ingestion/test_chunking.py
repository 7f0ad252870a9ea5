"""Splitting: sizes, sentence boundaries, heading paths, pages, exact offsets, overlap, tables."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from askwell.documents.ingestion.chunking import Chunk, document_text, sentence_spans, split
from askwell.documents.parsing import Block, ParsedDocument, parse
from tests.documents.ingestion import files


def words(text: str) -> int:
    return len(text.split())


def paragraph(n_sentences: int, seed: int, length: int = 9) -> str:
    """Sentences of varying length ("Sentence3x0 word word."), each uniquely numbered."""
    return " ".join(
        f"Sentence{seed}x{i} " + " ".join(["word"] * ((i * 7 + seed) % length + 1)) + "."
        for i in range(n_sentences)
    )


def check(doc: ParsedDocument, chunks: list[Chunk], limit: int, count: Callable[[str], int] = words) -> None:
    """Invariants every split must keep."""
    text = document_text(doc)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        span = text[chunk.char_start : chunk.char_end]
        assert span.strip() and span == span.rstrip()  # (code may start with its indentation)
        # The chunk is its span, or a table's header row + newline + its span.
        assert chunk.text == span or (chunk.text.endswith("\n" + span) and "|" in chunk.text)
        assert chunk.token_count == count(chunk.text)
        assert chunk.token_count <= limit or len(span.split()) == 1


def starts_at_boundary(text: str, start: int) -> bool:
    """At the document's start, after a block break or line break, or after a sentence's end."""
    before = text[:start].rstrip(" ")
    return not before or before.endswith("\n") or bool(re.search(r"[.!?][\"')\]]*$", before))


# --- sentences ----------------------------------------------------------------------------------


def test_sentence_splitter_handles_abbreviations_numbers_and_initials() -> None:
    text = (
        "Use a tool, e.g. the CLI. Pi is 3.14 in the U.S. and everywhere. Ask Dr. Smith or J. R. Hartley. "
        'He said "Stop." Then left! Why? It weighs approx. three kg. See No. 5 and Fig. 2. Version 3. Done'
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Use a tool, e.g. the CLI.",
        "Pi is 3.14 in the U.S. and everywhere.",
        "Ask Dr. Smith or J. R. Hartley.",
        'He said "Stop."',
        "Then left!",
        "Why?",
        "It weighs approx. three kg.",
        "See No. 5 and Fig. 2.",
        "Version 3.",
        "Done",
    ]


# --- sizes, boundaries, offsets -----------------------------------------------------------------


def long_document() -> ParsedDocument:
    blocks = [Block("Handbook", "heading", level=1)]
    for section in range(6):
        blocks.append(Block(f"Section {section}", "heading", level=2))
        for p in range(section + 1):
            blocks.append(Block(paragraph(3 + (section * 5 + p) % 17, seed=section * 10 + p), "paragraph"))
    return ParsedDocument(blocks, pages=None)


@pytest.mark.parametrize(("limit", "overlap"), [(12, 0), (30, 8), (64, 16), (500, 50)])
def test_chunks_respect_the_limit_and_start_at_sentences(limit: int, overlap: int) -> None:
    doc = long_document()
    chunks = split(doc, chunk_tokens=limit, overlap_tokens=overlap, count_tokens=words)
    check(doc, chunks, limit)
    text = document_text(doc)
    assert all(starts_at_boundary(text, c.char_start) for c in chunks)
    # Every sentence of every paragraph is in some chunk.
    covered = "".join(c.text for c in chunks)
    assert all(m in covered for m in re.findall(r"Sentence\d+x\d+", text))


def test_split_is_deterministic() -> None:
    doc = long_document()
    first = split(doc, chunk_tokens=40, overlap_tokens=10, count_tokens=words)
    assert first == split(doc, chunk_tokens=40, overlap_tokens=10, count_tokens=words)


def test_a_block_that_fits_an_empty_chunk_is_not_cut() -> None:
    a, b = paragraph(2, seed=1, length=3), paragraph(3, seed=2, length=3)  # 2 * <=4 and 3 * <=4 words
    doc = ParsedDocument([Block(a, "paragraph"), Block(b, "paragraph")], pages=None)
    chunks = split(doc, chunk_tokens=words(b), overlap_tokens=0, count_tokens=words)
    assert [c.text for c in chunks] == [a, b]


def test_only_a_too_long_sentence_is_cut_mid_sentence() -> None:
    long_sentence = "Start " + " ".join(f"w{i}" for i in range(40)) + " end."
    doc = ParsedDocument([Block(f"Short one. {long_sentence} After it.", "paragraph")], pages=None)
    chunks = split(doc, chunk_tokens=10, overlap_tokens=3, count_tokens=words)
    check(doc, chunks, 10)
    text = document_text(doc)
    mid = [c for c in chunks if not starts_at_boundary(text, c.char_start)]
    assert mid and all(text.index("Start") < c.char_start < text.index(" After") for c in mid)
    assert chunks[-1].text.endswith("After it.")
    # No overlap is taken from inside the long sentence: its pieces follow each other exactly.
    pieces = [c for c in chunks if "w" in c.text and "Short" not in c.text]
    assert all(a.char_end < b.char_start for a, b in itertools.pairwise(pieces))


def test_a_single_word_over_the_limit_is_its_own_chunk() -> None:
    doc = ParsedDocument([Block("Tiny. " + "x" * 50 + " tail.", "paragraph")], pages=None)
    chunks = split(doc, chunk_tokens=3, overlap_tokens=0, count_tokens=lambda s: len(s) // 5 + 1)
    assert "x" * 50 in [c.text for c in chunks]
    check(doc, chunks, 3, lambda s: len(s) // 5 + 1)


# --- headings -----------------------------------------------------------------------------------


def test_heading_paths_and_empty_headings() -> None:
    doc = ParsedDocument(
        [
            Block("Before any heading.", "paragraph"),
            Block("User guide", "heading", level=1),
            Block("Installation", "heading", level=2),
            Block("Run pip install askwell.", "paragraph"),
            Block("Linux", "heading", level=3),
            Block("Use the package manager.", "paragraph"),
            Block("Upgrades", "heading", level=2),  # nothing under it
            Block("Reference", "heading", level=1),  # only a subsection under it
            Block("Settings", "heading", level=3),  # a skipped level
            Block("PORT sets the port.", "paragraph"),
        ],
        pages=None,
    )
    chunks = split(doc, chunk_tokens=50, overlap_tokens=10, count_tokens=words)
    check(doc, chunks, 50)
    assert [(c.heading_path, c.text) for c in chunks] == [
        ((), "Before any heading."),
        (("User guide", "Installation"), "Run pip install askwell."),
        (("User guide", "Installation", "Linux"), "Use the package manager."),
        (("User guide", "Upgrades"), "Upgrades"),
        (("Reference", "Settings"), "PORT sets the port."),
    ]


def test_the_title_heads_every_path_unless_the_first_heading_says_it() -> None:
    blocks = [
        Block("Before any heading.", "paragraph"),
        Block("Maximum length of a string", "heading", level=2),
        Block("The limit is one billion bytes.", "paragraph"),
    ]
    titled = split(
        ParsedDocument(blocks, pages=None, title="Implementation  Limits For SQLite"),
        chunk_tokens=50,
        overlap_tokens=0,
        count_tokens=words,
    )
    assert [c.heading_path for c in titled] == [
        ("Implementation Limits For SQLite",),
        ("Implementation Limits For SQLite", "Maximum length of a string"),
    ]
    said = split(
        ParsedDocument(blocks[1:], pages=None, title="maximum length of a string"),
        chunk_tokens=50,
        overlap_tokens=0,
        count_tokens=words,
    )
    assert [c.heading_path for c in said] == [("Maximum length of a string",)]


# --- overlap ------------------------------------------------------------------------------------


def test_overlap_repeats_whole_sentences_within_a_section_only() -> None:
    body = "One two three four. Five six seven. Eight nine ten eleven twelve. Thirteen fourteen. Fifteen."
    doc = ParsedDocument(
        [
            Block("A", "heading", level=1),
            Block(body, "paragraph"),
            Block("B", "heading", level=1),
            Block("Other section here. It is short.", "paragraph"),
        ],
        pages=None,
    )
    chunks = split(doc, chunk_tokens=9, overlap_tokens=4, count_tokens=words)
    check(doc, chunks, 9)
    assert [c.text for c in chunks] == [
        "One two three four. Five six seven.",
        "Five six seven. Eight nine ten eleven twelve.",  # 3 words of overlap (4 would cut a sentence)
        "Thirteen fourteen. Fifteen.",  # "Eight ... twelve." is 5 words: over the overlap budget
        "Other section here. It is short.",  # no overlap across the heading
    ]
    assert chunks[1].char_start < chunks[0].char_end  # the overlap is a real, exact span
    assert document_text(doc)[chunks[1].char_start : chunks[1].char_end] == chunks[1].text


def test_no_overlap_when_it_is_zero() -> None:
    doc = long_document()
    chunks = split(doc, chunk_tokens=20, overlap_tokens=0, count_tokens=words)
    assert all(a.char_end < b.char_start for a, b in itertools.pairwise(chunks))


# --- pages --------------------------------------------------------------------------------------


def test_pages_of_a_chunk_spanning_a_page_break() -> None:
    doc = ParsedDocument(
        [
            Block("Page one has six words here.", "paragraph", page=1),
            Block("End of page two.", "paragraph", page=2),
            Block("Start of page three.", "paragraph", page=3),
        ],
        pages=3,
    )
    chunks = split(doc, chunk_tokens=10, overlap_tokens=0, count_tokens=words)
    assert [(c.text, c.page_start, c.page_end) for c in chunks] == [
        ("Page one has six words here.\n\nEnd of page two.", 1, 2),
        ("Start of page three.", 3, 3),
    ]
    chunks = split(doc, chunk_tokens=8, overlap_tokens=0, count_tokens=words)
    assert [(c.text, c.page_start, c.page_end) for c in chunks] == [
        ("Page one has six words here.", 1, 1),
        ("End of page two.\n\nStart of page three.", 2, 3),
    ]


def test_real_pdf_chunks_carry_pages_and_headings(tmp_path: Path) -> None:
    doc = parse(files.pdf_with_known_pages(tmp_path), "pdf")
    chunks = split(doc, chunk_tokens=60, overlap_tokens=10, count_tokens=words)
    check(doc, chunks, 60)
    by_text = {c.text: c for c in chunks}
    launch = next(c for c in chunks if files.LAUNCH_CODE in c.text)
    assert (launch.page_start, launch.page_end) == (3, 3)
    assert launch.heading_path == (files.PDF_TITLE, "2. Operations", "2.1 Secrets")
    operations = next(c for c in chunks if "Backups run every night" in c.text)
    assert (operations.page_start, operations.page_end) == (2, 3)
    assert operations.text.endswith("Operators check the report each morning.")
    assert by_text["3. Appendix"].heading_path == (files.PDF_TITLE, "3. Appendix")


def test_a_paragraph_cut_by_a_page_break_is_not_split_there(tmp_path: Path) -> None:
    doc = parse(files.pdf_with_known_pages(tmp_path), "pdf")
    chunks = split(doc, chunk_tokens=16, overlap_tokens=0, count_tokens=words)
    check(doc, chunks, 16)
    assert not any(c.text.startswith("journal") for c in chunks)
    joined = next(c for c in chunks if "journal written since then." in c.text)
    assert joined.text.startswith("The restore procedure")
    assert (joined.page_start, joined.page_end) == (2, 3)


# --- tables, lists, code ------------------------------------------------------------------------


def test_a_long_table_is_split_by_rows_repeating_the_header() -> None:
    rows = ["name | role | team"] + [f"person{i} | engineer | team{i % 3}" for i in range(12)]
    doc = ParsedDocument([Block("Intro text.", "paragraph"), Block("\n".join(rows), "table")], pages=None)
    chunks = split(doc, chunk_tokens=20, overlap_tokens=5, count_tokens=words)
    check(doc, chunks, 20)
    text = document_text(doc)
    table_chunks = [c for c in chunks if "person" in c.text]
    assert len(table_chunks) > 2
    for chunk in table_chunks:
        lines = [line for line in chunk.text.split("\n") if "|" in line]  # the first may follow "Intro"
        assert lines[0] == "name | role | team"
        assert all(line.startswith("person") for line in lines[1:])
        if chunk.text != text[chunk.char_start : chunk.char_end]:  # a continuation chunk
            assert chunk.text == f"{rows[0]}\n{text[chunk.char_start : chunk.char_end]}"
    # Every row is in some chunk.
    assert all(any(row in c.text for c in table_chunks) for row in rows[1:])


def test_a_table_that_fits_stays_whole() -> None:
    table = "a | b\n1 | 2\n3 | 4"
    doc = ParsedDocument([Block("Some words here.", "paragraph"), Block(table, "table")], pages=None)
    chunks = split(doc, chunk_tokens=10, overlap_tokens=0, count_tokens=words)  # 3 + 9 words
    assert [c.text for c in chunks] == ["Some words here.", table]


def test_lists_and_code_split_at_lines() -> None:
    items = "\n".join(f"- item number {i} without a full stop" for i in range(10))
    code = "\n".join(f"    call_function({i}, argument)" for i in range(10))
    doc = ParsedDocument([Block(items, "list"), Block(code, "code")], pages=None)
    chunks = split(doc, chunk_tokens=15, overlap_tokens=0, count_tokens=words)
    check(doc, chunks, 15)
    text = document_text(doc)
    for chunk in chunks:
        assert chunk.char_start == 0 or text[chunk.char_start - 1] == "\n"
        assert chunk.char_end == len(text) or text[chunk.char_end] == "\n"
    assert chunks[-1].text.startswith("    call_function(")  # code keeps its indentation
    # List items are overlapped like sentences; code lines are not.
    with_overlap = split(doc, chunk_tokens=17, overlap_tokens=8, count_tokens=words)  # items: 8 words
    list_chunks = [c for c in with_overlap if c.text.startswith("- item")]
    code_chunks = [c for c in with_overlap if "call_function" in c.text and "item" not in c.text]
    assert any(a.char_end > b.char_start for a, b in itertools.pairwise(list_chunks))
    assert all(a.char_end < b.char_start for a, b in itertools.pairwise(code_chunks))


# --- arguments and cost -------------------------------------------------------------------------


def test_bad_settings_are_refused() -> None:
    doc = long_document()
    for limit, overlap in [(0, 0), (10, 10), (10, -1)]:
        with pytest.raises(ValueError):
            split(doc, chunk_tokens=limit, overlap_tokens=overlap, count_tokens=words)


def test_count_tokens_is_called_linearly() -> None:
    calls: list[str] = []

    def counting(text: str) -> int:
        calls.append(text)
        return words(text)

    doc = ParsedDocument([Block(paragraph(400, seed=1), "paragraph")], pages=None)
    chunks = split(doc, chunk_tokens=50, overlap_tokens=10, count_tokens=counting)
    # One call per sentence and one per finished chunk (overlap included): about twice the text.
    assert len(calls) == 400 + len(chunks)
    assert sum(len(t) for t in calls) < 2.5 * len(document_text(doc))


# --- the real tokenizer -------------------------------------------------------------------------


def test_with_the_embedders_tokenizer(tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    data = resources.files("askwell.embeddings").joinpath("data/all-minilm-l6-v2/tokenizer.json")
    tokenizer = Tokenizer.from_str(data.read_text(encoding="utf-8"))
    tokenizer.no_truncation()  # the file truncates and pads to 128: neither is wanted for counting
    tokenizer.no_padding()

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    blocks = (
        parse(files.html_page(tmp_path), "html").blocks + parse(files.markdown_file(tmp_path), "md").blocks
    )
    blocks += long_document().blocks
    doc = ParsedDocument(blocks, pages=None)
    chunks = split(doc, chunk_tokens=64, overlap_tokens=16, count_tokens=count)
    check(doc, chunks, 64, count)
    assert all(0 < c.token_count <= 64 for c in chunks)
    assert sum(c.token_count for c in chunks) / len(chunks) > 32  # packed, not a sentence per chunk
    assert any(c.heading_path == ("Backups & restores", "Restore") for c in chunks)
