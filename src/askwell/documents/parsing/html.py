"""HTML: the page's own text as headings, paragraphs, lists, tables and code; the site chrome goes.

lxml (libxml2) parses because it is fast and forgiving: the 759 SQLite documentation pages, whose
HTML has <li> and <h3> inside <p>, parse in a few seconds. The walk keeps a buffer of inline text
and flushes it as a paragraph at every block-level boundary, so text loose in a <div> is kept as
well as text in <p>. What counts as chrome is decided in html_boilerplate.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from askwell.documents.parsing.base import EMPTY_FILE, Block, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.decoding import decode_text
from askwell.documents.parsing.html_boilerplate import Boilerplate, content_roots

_INLINE = frozenset(
    "a abbr b bdi bdo big cite code data del dfn em font i img ins kbd label mark nobr q s samp "
    "small span strike strong sub sup time tt u var wbr".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LINE_BREAK = "\x00"  # stands for <br> until whitespace is collapsed (decoding removed real NULs)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    data = path.read_bytes()
    declared = _META_CHARSET.search(data[:4096])
    text = decode_text(data, declared=declared.group(1).decode("ascii") if declared else None)
    return parse_text(text)


def parse_text(text: str) -> ParsedDocument:
    # Bytes with an explicit encoding: a str would let a <meta charset> re-decode it wrongly.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    if root is None:
        raise ParseError(EMPTY_FILE)
    blocks: list[Block] = []
    for content in content_roots(root):
        walker = _Walker(Boilerplate(content))
        walker.walk(content)
        walker.flush()
        blocks.extend(walker.blocks)
    title = _collapse(root.findtext("head/title") or "") or next(
        (b.text for b in blocks if b.kind == "heading" and b.level == 1), None
    )
    return ParsedDocument(blocks=blocks, pages=None, title=title)


class _Walker:
    """Depth-first walk that turns block-level elements into Blocks."""

    def __init__(self, boilerplate: Boilerplate) -> None:
        self._boilerplate = boilerplate
        self._buffer: list[str] = []
        self.blocks: list[Block] = []

    def walk(self, element: etree._Element) -> None:
        tag = element.tag
        if not isinstance(tag, str) or self._boilerplate.is_dropped(element, tag):
            return
        if tag == "br":
            self._buffer.append(_LINE_BREAK)
            return
        special = self._special(element, tag)
        if special is not None:
            self.flush()
            self.blocks.extend(b for b in special if b.text)
            return
        block_level = tag not in _INLINE
        if block_level:
            self.flush()
        if element.text:
            self._buffer.append(element.text)
        for child in element:
            self.walk(child)
            if child.tail:
                self._buffer.append(child.tail)
        if block_level:
            self.flush()

    def flush(self) -> None:
        text = _collapse("".join(self._buffer), keep_breaks=True)
        self._buffer.clear()
        if text:
            self.blocks.append(Block(text, "paragraph"))

    def _special(self, element: etree._Element, tag: str) -> list[Block] | None:
        """Blocks for elements read as a whole; None for elements walked like any container."""
        if tag in _HEADINGS:
            return [Block(self._inline(element), "heading", level=_HEADINGS[tag])]
        if tag == "pre":
            lines = "".join(self._texts(element)).replace(_LINE_BREAK, "\n").split("\n")
            return [Block("\n".join(line.rstrip() for line in lines).strip("\n"), "code")]
        if tag in ("ul", "ol") and not _holds_structure(element):
            return [Block("\n".join(self._list_lines(element, depth=0)), "list")]
        if tag == "table" and not _is_layout_table(element):
            return self._table(element)
        return None

    def _list_lines(self, element: etree._Element, depth: int) -> list[str]:
        lines: list[str] = []
        start = element.get("start")
        number = int(start) if _is_int(start) else 1
        for item in element:
            if not isinstance(item.tag, str) or self._boilerplate.is_dropped(item, item.tag):
                continue
            if item.tag in ("ul", "ol"):  # a list nested without its <li>, as old pages do
                lines.extend(self._list_lines(item, depth + 1))
                continue
            text = self._inline(item, skip=("ul", "ol"))
            if text:
                marker = f"{number}." if element.tag == "ol" else "-"
                number += 1
                lines.append(f"{'  ' * depth}{marker} {text}")
            for sub in item.iter("ul", "ol"):
                if _nearest(sub, ("ul", "ol")) is element:
                    lines.extend(self._list_lines(sub, depth + 1))
        return lines

    def _table(self, table: etree._Element) -> list[Block]:
        rows = []
        for row in _rows_in_order(table):
            cells = [self._inline(cell) for cell in row if cell.tag in ("td", "th")]
            if any(cells):
                rows.append(cells)
        caption = table.find("caption")
        blocks = [Block(self._inline(caption), "paragraph")] if caption is not None else []
        if all(len(cells) <= 1 for cells in rows):  # a one-column "table" is just lines of text
            return blocks + [Block(cells[0], "paragraph") for cells in rows if cells]
        return [*blocks, Block("\n".join(" | ".join(cells) for cells in rows), "table")]

    def _inline(self, element: etree._Element, skip: tuple[str, ...] = ()) -> str:
        """The element's text on one line (for headings, list items, cells)."""
        return _collapse("".join(self._texts(element, skip)).replace(_LINE_BREAK, " "))

    def _texts(self, element: etree._Element, skip: tuple[str, ...] = ()) -> list[str]:
        out: list[str] = []
        self._collect(element, skip, out)
        return out

    def _collect(self, element: etree._Element, skip: tuple[str, ...], out: list[str]) -> None:
        if element.text:
            out.append(element.text)
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag not in skip and not self._boilerplate.is_dropped(child, tag):
                if tag == "br":
                    out.append(_LINE_BREAK)
                else:
                    spaced = tag not in _INLINE  # "<p>a</p><p>b</p>" reads "a b", not "ab"
                    if spaced:
                        out.append(" ")
                    self._collect(child, skip, out)
                    if spaced:
                        out.append(" ")
            if child.tail:
                out.append(child.tail)


def _rows_in_order(table: etree._Element) -> list[etree._Element]:
    """Header rows first (a <thead> may follow <tfoot> in old HTML), footer rows last."""
    rows = [r for r in table.iter("tr") if _nearest(r, ("table",)) is table]
    section = {id(r): (p.tag if (p := r.getparent()) is not None else "") for r in rows}
    order = {"thead": 0, "tfoot": 2}
    return sorted(rows, key=lambda r: order.get(section[id(r)], 1))


def _nearest(element: etree._Element, tags: tuple[str, ...]) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag not in tags:
        parent = parent.getparent()
    return parent


def _is_layout_table(table: etree._Element) -> bool:
    """Tables used for page layout hold other tables or headings: walk them as containers."""
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    inner = table.iter("table", "h1", "h2", "h3", "h4", "h5", "h6")
    next(inner)  # the table itself
    return next(inner, None) is not None


def _holds_structure(element: etree._Element) -> bool:
    """A list whose items hold headings, tables or code is page layout, not a list of items."""
    return any(True for _ in element.iter("h1", "h2", "h3", "h4", "h5", "h6", "table", "pre"))


def _collapse(text: str, *, keep_breaks: bool = False) -> str:
    if not keep_breaks:
        return " ".join(text.replace(_LINE_BREAK, " ").split())
    lines = (" ".join(line.split()) for line in text.split(_LINE_BREAK))
    return "\n".join(line for line in lines if line)


def _is_int(value: str | None) -> bool:
    return value is not None and value.strip().lstrip("-").isdigit()
