"""Spotting requests to change data, which a read-only assistant refuses without running anything."""

from __future__ import annotations

import re

# Imperatives at the start of a request ("delete the cancelled orders", "please update ..."),
# requests phrased as wishes ("can you remove ...", "I want to insert ..."), and raw SQL.
_VERBS = (
    r"delete|remove|drop|truncate|update|insert|add(?!\s+up)|create|alter|modify|rename|erase|wipe|purge|"
    r"overwrite|replace|cancel|edit|merge|grant|revoke|"
    # Changes stated as what to do to the data ("raise every salary by 5%", "mark it as paid").
    r"raise|increase|decrease|lower|reduce|cut|set|mark|reset|clear|assign|reassign|move|transfer|"
    r"archive|restore|correct|fix|change|apply|get\s+rid\s+of|"
    r"supprime[rz]?|efface[rz]?|modifie[rz]?|ajoute[rz]?|"  # fr
    r"lösche|loesche|entferne|ändere|aendere|füge|"  # de
    r"borra|elimina|actualiza|inserta|modifica"  # es / it
)
# At the start of the request or of any clause of it ("They are clutter, get rid of them").
_IMPERATIVE = re.compile(
    rf"(^|[.,;:!]\s*|\b(then|and|so)\s+)(please\s+|pls\s+|kindly\s+|just\s+)?({_VERBS})\b"
    r"(?!\s*\?|\s+(of|in|from|between)\b)",  # "Set of products?", "Increase in sales per year"
    re.IGNORECASE,
)
_WISH_VERBS = rf"{_VERBS}|change|set"
_WISH = re.compile(
    rf"\b(can|could|would|will)\s+you\s+(please\s+)?({_WISH_VERBS})\b"
    rf"|\b(i|we)\s+(want|need|would\s+like)\s+to\s+({_WISH_VERBS})\b",
    re.IGNORECASE,
)
_RAW_SQL = re.compile(
    r"\b(delete\s+from|insert\s+into|update\s+\w+\s+set|drop\s+(table|database|schema)|alter\s+table|"
    r"truncate\s+table|create\s+(table|index|view))\b",
    re.IGNORECASE,
)


def asks_to_change_data(question: str) -> bool:
    return bool(_IMPERATIVE.search(question) or _WISH.search(question) or _RAW_SQL.search(question))


READ_ONLY_REFUSAL = (
    "I can't do that: this assistant has read-only access to the database, so it can look data up "
    "but never change it. Nothing was executed. Ask an administrator to make the change, or ask me "
    "a question about the data instead."
)
