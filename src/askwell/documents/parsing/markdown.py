"""Markdown through markdown-it-py (CommonMark plus GFM tables): structure comes from a real parser.

A line-based reader gets the corner cases wrong that matter here: a "#" inside a fenced code block
is not a heading, a setext underline is, and list items may span lines. Inline markup is rendered
to plain text (link targets and emphasis marks are noise to an embedder); code blocks keep their
text verbatim and whole.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from askwell.documents.parsing.base import Block, ParsedDocument, ParseLimits
from askwell.documents.parsing.decoding import read_text

_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"""^title\s*[:=]\s*["']?(.*?)["']?\s*$""", re.MULTILINE)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    return parse_text(read_text(path))


def parse_text(text: str) -> ParsedDocument:
    title = None
    if front := _FRONT_MATTER.match(text):
        text = text[front.end() :]
        if found := _FRONT_TITLE.search(front.group(1)):
            title = found.group(1).strip() or None
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks = [block for block in _blocks(tokens) if block.text.strip()]
    if title is None:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return ParsedDocument(blocks=blocks, pages=None, title=title)


def _blocks(tokens: list[Token]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            blocks.append(Block(_inline(tokens[i + 1]), "heading", level=int(token.tag[1])))
            i += 3
        elif token.type == "paragraph_open":
            blocks.append(Block(_inline(tokens[i + 1]), "paragraph"))
            i += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = _close_of(tokens, i)
            blocks.append(Block("\n".join(_list_lines(tokens[i : end + 1])), "list"))
            i = end + 1
        elif token.type == "table_open":
            end = _close_of(tokens, i)
            blocks.append(Block("\n".join(_table_rows(tokens[i : end + 1])), "table"))
            i = end + 1
        elif token.type in ("fence", "code_block"):
            blocks.append(Block(token.content.strip("\n"), "code"))
            i += 1
        elif token.type == "html_block":
            blocks.append(Block(" ".join(html.unescape(_TAG.sub(" ", token.content)).split()), "paragraph"))
            i += 1
        else:  # blockquote and hr markers: their paragraphs come next as ordinary ones
            i += 1
    return blocks


def _close_of(tokens: list[Token], start: int) -> int:
    """Index of the token closing the container opened at `start`."""
    opening = tokens[start]
    closing = opening.type.replace("_open", "_close")
    for j in range(start + 1, len(tokens)):
        if tokens[j].type == closing and tokens[j].level == opening.level:
            return j
    return len(tokens) - 1


def _inline(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return "".join(parts).strip()


def _list_lines(tokens: list[Token]) -> list[str]:
    """One line per item, "- " or "N. " markers, two spaces of indent per nesting level."""
    lines: list[str] = []
    counters: list[int | None] = []  # per open list: next number, or None when bulleted
    marker = ""
    for token in tokens:
        if token.type == "bullet_list_open":
            counters.append(None)
        elif token.type == "ordered_list_open":
            counters.append(int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
        elif token.type == "list_item_open":
            number = counters[-1]
            marker = "-" if number is None else f"{number}."
            if number is not None:
                counters[-1] = number + 1
        elif token.type in ("inline", "fence", "code_block"):
            text = _inline(token) if token.type == "inline" else token.content.strip("\n")
            indent = "  " * (len(counters) - 1)
            if marker:
                lines.append(f"{indent}{marker} {text}")
                marker = ""
            else:  # a later paragraph or code block of the same item
                lines.extend(f"{indent}  {line}" for line in text.split("\n"))
    return lines


def _table_rows(tokens: list[Token]) -> list[str]:
    rows: list[str] = []
    cells: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            cells = []
        elif token.type == "inline":
            cells.append(" ".join(_inline(token).split()))
        elif token.type == "tr_close" and any(cells):
            rows.append(" | ".join(cells))
    return rows
