"""Cleaning an uploaded file's name before it is shown, matched or stored.

A name comes from the client and is shown to every member: a NUL, a right-to-left
override ("invoice\u202egpj.exe" reads as "invoiceexe.jpg") or a zero-width space would
let one file pass for another. Only the characters a person can see are kept.
"""

from __future__ import annotations

import re
import unicodedata

# Cc: C0 and C1 controls (NUL, escapes, U+0080-U+009F); Cf: format characters, among them
# the bidi embeddings/overrides U+202A-U+202E, the isolates U+2066-U+2069, the zero-width
# characters and the byte order mark; Cs: lone surrogates (not text); Co/Cn: private use
# and unassigned code points, which no font shows the same way.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_WHITESPACE = re.compile(r"\s+")


def clean_text(name: str) -> str:
    """NFC-normalised, without invisible characters, whitespace runs made one space.

    Controls that are whitespace (tab, newline) become a space rather than vanishing, so
    "a\\tb" stays two words.
    """
    normalised = unicodedata.normalize("NFC", name)
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in normalised
        if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )
    return _WHITESPACE.sub(" ", kept).strip()
