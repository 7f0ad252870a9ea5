"""The local models' passage budget: fewer passages, trimmed around the question (no model needed)."""

from __future__ import annotations

from askwell.chat.passage_budget import PassageBudget, query_terms, trim, trim_passages
from askwell.chat.prompting import Budget, build_prompt
from askwell.turn.events import Source


def _words(text: str) -> int:  # a deterministic stand-in for a tokenizer
    return len(text.split())


FILLER = " ".join(f"Filler sentence number {i} says nothing useful." for i in range(12))
CODE = "CREATE TABLE t1(\n  a INTEGER PRIMARY KEY AUTOINCREMENT,\n  b TEXT\n);"
PAGE = (
    f"{FILLER}\n\nA column declared INTEGER PRIMARY KEY autoincrements. Add the AUTOINCREMENT keyword "
    f"to keep keys unique for the table's lifetime. For example:\n\n{CODE}\n\n{FILLER}"
)


def test_terms_are_content_words_stemmed() -> None:
    assert query_terms("How do I add columns to the existing tables?") == query_terms(
        "add column exists table"
    )


def test_a_passage_that_fits_is_left_whole() -> None:
    assert trim(PAGE, query_terms("autoincrement"), 10_000, _words) == PAGE


def test_trimming_keeps_the_sentences_about_the_question_and_marks_the_gaps() -> None:
    trimmed = trim(PAGE, query_terms("How do I create an AUTOINCREMENT column?"), 60, _words)
    assert _words(trimmed) <= 60
    assert "Add the AUTOINCREMENT keyword" in trimmed and "A column declared INTEGER PRIMARY KEY" in trimmed
    assert trimmed.startswith("… ") and trimmed.endswith(" …")  # text left out before and after
    assert trimmed.count("Filler") < 6


def test_a_code_block_is_kept_whole_or_left_out_never_cut() -> None:
    terms = query_terms("How do I create a table with an AUTOINCREMENT key?")
    roomy = trim(PAGE, terms, 60, _words)
    assert CODE in roomy
    tight = trim(PAGE, terms, 10, _words)  # the code block takes 11
    assert "CREATE TABLE t1(" not in tight and "b TEXT" not in tight
    assert "INTEGER PRIMARY KEY autoincrements." in tight


def test_without_a_matching_sentence_the_start_of_the_passage_is_kept() -> None:
    trimmed = trim(FILLER, query_terms("vacuum"), 20, _words)
    assert trimmed.startswith("Filler sentence number 0") and _words(trimmed) <= 20


def test_only_the_top_passages_are_kept_and_share_the_tokens() -> None:
    short = "AUTOINCREMENT is a keyword that keeps keys unique."
    texts = [short, PAGE, PAGE, PAGE]
    chosen = trim_passages(texts, "What does AUTOINCREMENT do?", PassageBudget(passages=3, tokens=90), _words)
    assert [i for i, _ in chosen] == [0, 1, 2] and chosen[0][1] == short
    assert sum(_words(t) for _, t in chosen) <= 90
    # what the short first passage did not use went to the two after it
    assert _words(chosen[1][1]) > 90 // 3


def test_a_page_title_alone_leaves_its_place_to_the_next_passage() -> None:
    texts = ["SQLite Autoincrement", PAGE, PAGE]
    chosen = trim_passages(
        texts, "What does AUTOINCREMENT do?", PassageBudget(passages=2, tokens=200), _words
    )
    assert [i for i, _ in chosen] == [1, 2]


def test_the_prompt_of_a_local_model_reads_fewer_trimmed_passages() -> None:
    sources = [Source(id=str(i), name=f"p{i}.html", type="html", content=PAGE) for i in range(5)]
    window = Budget(context_window=4096, answer_tokens=256, count=_words)
    cited_sources: list[str] = []

    def prompt(question: str, passages: PassageBudget | None) -> tuple[str, str, int]:
        nonlocal cited_sources
        built = build_prompt(
            system_prompt="You answer SQLite questions.",
            question=question,
            memory=[],
            sources=sources,
            language=None,
            budget=window,
            passage_budget=passages,
        )
        cited_sources = [s.id for s in built.sources]
        return built.messages[0].content, built.messages[-1].content, built.passages_used

    system_whole, user_whole, used_whole = prompt("How do I create an AUTOINCREMENT key?", None)
    system_local, user_local, used_local = prompt(
        "How do I create an AUTOINCREMENT key?", PassageBudget(2, 120)
    )
    system_other, _, _ = prompt("Is SQLite threadsafe?", PassageBudget(2, 120))
    assert (used_whole, used_local) == (5, 2) and "[3]" not in user_local
    assert cited_sources == ["0", "1"]  # the sources the answer may cite are the passages read
    assert _words(user_local) < _words(user_whole) / 3
    # the system message is the cached prefix: byte-identical with or without a budget, whatever the question
    assert system_local == system_whole == system_other
    assert "AUTOINCREMENT keyword" in user_local
