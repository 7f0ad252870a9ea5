"""Fewer, shorter passages for a model that reads its prompt slowly (the local models).

On a CPU the first token waits for the whole prompt to be read (about 150 tokens a second
for the 1.5B model on two cores), and the system message is the only part a previous
turn left in llama.cpp's cache. So the passages of a local model's prompt are budgeted:
the top `passages` in rank order, their text together within `tokens`. Each passage keeps
the sentences that hold the most terms of the question, then their neighbours, in the
passage's own order with "…" where text was left out. Code, lists and tables (blocks with
line breaks) are kept whole or left out, never cut: a how-to answer copies them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PassageBudget:
    passages: int  # the top passages kept, in rank order
    tokens: int  # their trimmed text, all together


_GAP = "…"
_MIN_WORDS = 8
_WORD = re.compile(r"[A-Za-z0-9_]+")
# A sentence ends at . ! ? before a space and a capital, digit, quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_STOP = frozenset(
    "a about an and any are as at be been but by can could do does doesn't did for from get "
    "had has have how i if in into is isn't it its me my no not of on or our should so than "
    "that the their them then there these they this those to was we were what when where which "
    "while who why will with would you your".split()
)


def query_terms(question: str) -> set[str]:
    """The question's content words, lower case and crudely stemmed."""
    return {_stem(w) for w in _WORD.findall(question.lower()) if len(w) > 2 and w not in _STOP}


def trim_passages(
    texts: Sequence[str], question: str, budget: PassageBudget, count: Callable[[str], int]
) -> list[tuple[int, str]]:
    """(index, trimmed text) of the top `budget.passages` texts, all within `budget.tokens`.

    A passage of a few words (a page title alone) holds no answer: it leaves its place to the
    next one. A passage shorter than its share leaves the rest of it to the passages after it.
    """
    substantial = [i for i, text in enumerate(texts) if len(text.split()) >= _MIN_WORDS]
    kept = (substantial or list(range(len(texts))))[: max(1, budget.passages)]
    terms = query_terms(question)
    room = budget.tokens
    trimmed = []
    for position, index in enumerate(kept):
        share = room // (len(kept) - position)
        piece = trim(texts[index], terms, share, count)
        trimmed.append((index, piece))
        room -= count(piece)
    return trimmed


def trim(text: str, terms: set[str], tokens: int, count: Callable[[str], int]) -> str:
    """`text` within `tokens`: its units richest in `terms` first, then their neighbours."""
    if count(text) <= tokens:
        return text
    units = _units(text)
    costs = [count(unit) for unit, _ in units]
    scores = [len(terms & {_stem(w) for w in _WORD.findall(unit.lower())}) for unit, _ in units]
    chosen: dict[int, None] = {}  # in the order taken
    room = tokens

    def take(index: int) -> None:
        nonlocal room
        if index not in chosen and costs[index] <= room:
            chosen[index] = None
            room -= costs[index]

    for index in sorted((i for i, s in enumerate(scores) if s), key=lambda i: (-scores[i], i)):
        take(index)
    # Then the context: what follows a kept unit (the answer often continues), then what precedes it.
    for distance in range(1, len(units)):
        for index in sorted(chosen):
            for neighbour in (index + distance, index - distance):
                if 0 <= neighbour < len(units):
                    take(neighbour)
        if room <= 0:
            break
    order = list(chosen)
    while order:  # the "…" marks cost tokens too: the units taken last give way to them
        joined = _join(units, sorted(order))
        if count(joined) <= tokens:
            return joined
        order.pop()
    return truncate(text, tokens, count)  # not even one unit fits: the start, cut at a word


def _units(text: str) -> list[tuple[str, str]]:
    """(unit, separator before it): sentences of prose paragraphs; blocks with line breaks whole."""
    units: list[tuple[str, str]] = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        pieces = [block] if "\n" in block.strip("\n") else _SENTENCE_END.split(block)
        for i, piece in enumerate(pieces):
            units.append((piece, " " if i else "\n\n"))
    return units


def _join(units: list[tuple[str, str]], chosen: list[int]) -> str:
    out = f"{_GAP} " if chosen[0] > 0 else ""
    for n, index in enumerate(chosen):
        unit, separator = units[index]
        if n:
            out += (f" {_GAP}" if index > chosen[n - 1] + 1 else "") + separator
        out += unit
    return out + f" {_GAP}" if chosen[-1] < len(units) - 1 else out


def truncate(text: str, tokens: int, count: Callable[[str], int]) -> str:
    """The longest prefix of `text` (cut at a word, "…" added) that fits in `tokens`."""
    if count(text) <= tokens:
        return text
    tokens -= count(f" {_GAP}")
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if count(text[:middle]) <= tokens:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    return cut[: cut.rfind(" ")] + " " + _GAP if " " in cut else cut


def _stem(word: str) -> str:
    # Enough to match "tables" to "table" and "deleted" to "delete"; not a linguist's stemmer.
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word
