"""Takes out of a streamed answer the sentences that only point at a passage.

Small models pad a grounded answer with "The passage that supports this answer is [2]."
or "This information can be found in passage [1].": nothing for the reader, and a
citation that the fact itself does not carry. A sentence is such padding when every word
of it is from the vocabulary of pointing at sources (and it names a passage or cites one);
a sentence with any other word ("According to [2], the limit is 2 GB.") stays, and so
does an answer that is nothing but such a sentence ("It is [1]." to a yes/no question).

While it streams, a sentence is held back only as long as all its words so far could
still make such a sentence: most sentences show a word of their own within a word or two,
and from then on they pass through as they come.
"""

from __future__ import annotations

import re

# Where a sentence ends: . ! ? followed by white space, or a line break.
_END = re.compile(r"[.!?](?=\s)|\n")
_CITATION = re.compile(r"\[\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*\]")
_WORD = re.compile(r"[a-z']+")
_POINTERS = frozenset(
    "passage passages source sources context document documents reference references citation "
    "citations".split()
)
_META_WORDS = _POINTERS | frozenset(
    "the this that these those which it its above following given provided answer answers answered "
    "answering information number numbers is are was were be been can could may "
    "found find in from on of to for as by and or based comes come taken supports support supported "
    "supporting contains contain containing cited cite citing see refer refers referenced mentioned "
    "stated states says said question relevant used use using derived according i my we our here "
    "there specifically directly also part section sentence text".split()
)


def is_meta_sentence(sentence: str) -> bool:
    """Whether the sentence only says which passage holds the answer."""
    cited = bool(_CITATION.search(sentence))
    words = _WORD.findall(_CITATION.sub(" ", sentence).lower())
    if not words or not all(w in _META_WORDS for w in words):
        return False
    return cited or any(w in _POINTERS for w in words)


def _may_become_meta(partial: str) -> bool:
    """Whether a sentence that starts so could still turn out to be only pointing at a passage."""
    text = _CITATION.sub(" ", partial).lower()
    words = _WORD.findall(text)
    if words and text.rstrip() == text and text[-1:].isalpha():
        last = words.pop()  # still being written: a prefix of a pointing word keeps it open
        if not any(w.startswith(last) for w in _META_WORDS):
            return False
    return all(w in _META_WORDS for w in words) and not re.search(r"[^\w\s\[\],.:;'\"()-]", text)


class MetaSentenceFilter:
    def __init__(self) -> None:
        self._held = ""  # the start of a sentence that may still be padding
        self._passing = False  # the current sentence has shown a word of its own
        self._emitted = False
        # The full stop of the last sentence shown waits for the next one: when that is padding,
        # its citations move in front of the stop ("... BLOB [1].") instead of going with it.
        self._stop = ""
        self._sentence = ""  # the sentence being shown, for its citations
        self._last_citations: set[str] = set()
        self.removed = 0

    def feed(self, text: str) -> str:
        """The part of the answer that is safe to emit now."""
        buffer, self._held = self._held + text, ""
        out: list[str] = []
        while buffer:
            end = _END.search(buffer)
            if self._passing:
                if end is None:
                    # A final "." ends the sentence only if white space follows: it waits for that.
                    cut = len(buffer) - 1 if buffer[-1] in ".!?" else len(buffer)
                    out.append(self._shown(buffer[:cut]))
                    self._held = buffer[cut:]
                    break
                out.append(self._ended(buffer[: end.end()]))
                buffer, self._passing = buffer[end.end() :], False
                continue
            if end is not None:
                sentence, buffer = buffer[: end.end()], buffer[end.end() :]
                out.append(self._decided(sentence))
                continue
            if _may_become_meta(buffer):
                self._held = buffer
                break
            out.append(self._shown(buffer))
            self._passing = True
            break
        return "".join(out)

    def flush(self) -> str:
        """Whatever is still held back when the answer ends."""
        held, self._held = self._held, ""
        if not self._emitted:  # the whole answer ("It is [1]."): better said than nothing at all
            return self._shown(held)
        shown = self._decided(held) if held else ""
        stop, self._stop = self._stop, ""
        return shown + stop

    def _decided(self, sentence: str) -> str:
        if not is_meta_sentence(sentence):
            return self._ended(sentence)
        self.removed += 1
        moved = [c for c in dict.fromkeys(_CITATION.findall(sentence)) if c not in self._last_citations]
        if not self._stop or not moved:
            return ""
        stop, self._stop = self._stop, ""
        self._last_citations.update(moved)
        return " " + " ".join(moved) + stop

    def _ended(self, sentence: str) -> str:
        """Show a whole sentence (or its end), holding back its full stop."""
        body, stop = (sentence[:-1], sentence[-1]) if sentence[-1:] in ".!?" else (sentence, "")
        shown = self._shown(body)
        self._last_citations = set(_CITATION.findall(self._sentence))
        self._sentence, self._stop = "", stop
        return shown

    def _shown(self, text: str) -> str:
        if not self._emitted:  # an answer does not start with the white space a removed sentence left
            text = text.lstrip()
            self._emitted = bool(text)
        if not text:
            return ""
        stop, self._stop = self._stop, ""
        self._sentence += text
        return stop + text
