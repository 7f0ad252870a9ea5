"""DOCX through python-docx: headings by paragraph style, lists, tables in document order.

Word marks structure with styles, so "Heading N" (and "Title") paragraphs become headings and list
styles or numbering become list blocks. When a document has a Title paragraph its headings move one
level down, so that the title heads the heading path, as "# Title" then "## Section" would in
Markdown. Consecutive list paragraphs are merged into one list block, one item per line.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from askwell.documents.parsing.base import EMPTY_FILE, Block, ParsedDocument, ParseError, ParseLimits
from askwell.documents.parsing.detect import OLE_MAGIC
from askwell.documents.parsing.zipguard import check_zip, refuse_dtds

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list\b.*?(\d*)$", re.IGNORECASE)
# What python-docx raises on damaged packages; AttributeError and TypeError come from its object
# model meeting XML that lacks the elements it expects.
_CORRUPT = (
    KeyError,
    ValueError,
    AttributeError,
    TypeError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    etree.XMLSyntaxError,
)


def parse(path: Path, limits: ParseLimits) -> ParsedDocument:
    with path.open("rb") as file:
        head = file.read(len(OLE_MAGIC))
    if not head:
        raise ParseError(EMPTY_FILE)
    if head == OLE_MAGIC:
        raise ParseError("encrypted DOCX (password protected), or an old .doc file renamed")
    names = check_zip(path, limits, label="DOCX")
    # Not "word/document.xml" exactly: some generators name the main part differently.
    if "[Content_Types].xml" not in names or not any(name.startswith("word/") for name in names):
        raise ParseError("corrupt DOCX: no word/document.xml")
    refuse_dtds(path, names, label="DOCX")
    try:
        document = docx.Document(str(path))
        items = list(document.iter_inner_content())
        blocks = _blocks(items)
        title = document.core_properties.title or None
    except PackageNotFoundError as exc:
        raise ParseError("corrupt DOCX: not a Word document") from exc
    except _CORRUPT as exc:
        raise ParseError(f"corrupt DOCX: {_short(exc)}") from exc
    if not blocks:
        raise ParseError(EMPTY_FILE)
    if title is None:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return ParsedDocument(blocks=blocks, pages=None, title=title)


def _blocks(items: list[Paragraph | Table]) -> list[Block]:
    has_title = any(isinstance(i, Paragraph) and _style_name(i) == "title" for i in items)
    blocks: list[Block] = []
    list_lines: list[str] = []
    for item in items:
        line = _list_line(item) if isinstance(item, Paragraph) else None
        if line is not None:
            list_lines.append(line)
            continue
        if list_lines:
            blocks.append(Block("\n".join(list_lines), "list"))
            list_lines = []
        if isinstance(item, Table):
            blocks.extend(_table(item))
        elif block := _paragraph(item, has_title):
            blocks.append(block)
    if list_lines:
        blocks.append(Block("\n".join(list_lines), "list"))
    return blocks


def _paragraph(paragraph: Paragraph, has_title: bool) -> Block | None:
    text = _clean(paragraph.text)
    if not text:
        return None
    style = _style_name(paragraph)
    if style == "title":
        return Block(" ".join(text.split()), "heading", level=1)
    if heading := _HEADING_STYLE.match(style):
        return Block(" ".join(text.split()), "heading", level=int(heading.group(1)) + has_title)
    return Block(text, "paragraph")


def _list_line(paragraph: Paragraph) -> str | None:
    """ "- item" with two spaces per nesting level, or None when not a list paragraph."""
    style = _style_name(paragraph)
    numbered = bool(paragraph._p.xpath("./w:pPr/w:numPr"))
    style_list = _LIST_STYLE.match(style)
    if _HEADING_STYLE.match(style) or not (numbered or style_list):
        return None
    text = " ".join(paragraph.text.split())
    if not text:
        return None
    levels = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
    if levels and str(levels[0]).isdigit():
        depth = int(levels[0])
    else:  # "List Bullet 2" is the second level
        depth = int(style_list.group(1)) - 1 if style_list and style_list.group(1) else 0
    return f"{'  ' * max(depth, 0)}- {text}"


def _table(table: Table) -> list[Block]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell is returned once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(cells)
    if all(len(cells) <= 1 for cells in rows):  # a one-column table is a box around text
        return [Block(cells[0], "paragraph") for cells in rows if cells]
    return [Block("\n".join(" | ".join(cells) for cells in rows), "table")]


def _style_name(paragraph: Paragraph) -> str:
    style = paragraph.style
    return (style.name or "").strip().lower() if style is not None else ""


def _clean(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _short(exc: BaseException) -> str:
    message = str(exc).strip().strip("\"'") or type(exc).__name__
    return message if len(message) <= 120 else message[:117] + "..."
