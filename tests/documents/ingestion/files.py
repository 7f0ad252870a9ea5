"""Real test files, generated on the spot with the libraries that write these formats.

Each maker writes into a folder the test owns (tmp_path) and returns the file's path. The texts
that tests look for are constants here, so a test and its file cannot drift apart.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

LAUNCH_CODE = "The launch code is 7319."
PDF_TITLE = "Askwell Field Manual"
RUNNING_FOOTER = "Askwell Field Manual, confidential"


def pdf_with_known_pages(folder: Path) -> Path:
    """Four pages of known text, drawn line by line so positions are exact.

    Page 1: a 20 pt title, a 15 pt heading "1. Getting started", two body paragraphs (the first
    wraps over three lines with the word "configuration" hyphenated across a line end).
    Page 2: heading "2. Operations", a paragraph that continues onto page 3.
    Page 3: the continuation, then a 13 pt subheading "2.1 Secrets" and LAUNCH_CODE.
    Page 4: a heading with no text after it.
    Every page has RUNNING_FOOTER and a page number at the bottom.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = folder / "manual.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(PDF_TITLE)
    pages: list[list[tuple[float, str, float]]] = [  # (font size, text, gap before in points)
        [
            (20, PDF_TITLE, 0),
            (15, "1. Getting started", 30),
            (10, "Askwell answers questions about your documents. Install it with pip and", 24),
            (10, "start the server with one command. The configu-", 12),
            (10, "ration file lives next to the database, e.g. in the data folder.", 12),
            (10, "Second paragraph: it is short.", 20),
        ],
        [
            (15, "2. Operations", 0),
            (10, "Backups run every night at 02:00 and keep fourteen days of history. The", 24),
            (10, "restore procedure reads the newest backup and replays the", 12),
        ],
        [
            (10, "journal written since then. Operators check the report each morning.", 0),
            (13, "2.1 Secrets", 24),
            (10, LAUNCH_CODE + " Keep it in the vault.", 20),
        ],
        [
            (15, "3. Appendix", 0),
        ],
    ]
    for number, lines in enumerate(pages, start=1):
        y = 780.0
        for size, text, gap in lines:
            y -= gap
            pdf.setFont("Helvetica-Bold" if size > 10 else "Helvetica", size)
            pdf.drawString(72, y, text)
        pdf.setFont("Helvetica", 8)
        pdf.drawString(72, 40, RUNNING_FOOTER)
        pdf.drawString(520, 40, str(number))
        pdf.showPage()
    pdf.save()
    return path


def long_pdf(folder: Path, pages: int = 100) -> Path:
    """`pages` pages of body text (45 lines each) with a heading on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = folder / "long.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 790, f"Chapter {number}: topic {number * 7}")
        text = pdf.beginText(72, 760)
        text.setFont("Helvetica", 10)
        text.setLeading(13)
        for line in range(45):
            end = "." if line % 6 == 5 else ""
            text.textLine(f"Line {line} of page {number} says something about topic {line * number}{end}")
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return path


def encrypted_pdf(folder: Path) -> Path:
    """A text PDF that needs the user password "secret" to open."""
    from pypdf import PdfReader, PdfWriter

    plain = pdf_with_known_pages(folder)
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(
        user_password="secret", owner_password="owner", algorithm="RC4-128"
    )  # AES needs "cryptography"
    path = folder / "encrypted.pdf"
    with path.open("wb") as file:
        writer.write(file)
    return path


def scanned_pdf(folder: Path) -> Path:
    """Two pages that are only an image of grey bars (no letters for OCR to read), no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 800), color=255)
    draw = ImageDraw.Draw(image)
    for row in range(40, 760, 24):
        draw.rectangle((40, row, 560, row + 10), fill=60)
    path = folder / "scanned.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return path


def corrupt_pdf(folder: Path) -> Path:
    """A real PDF cut to its first 40 % of bytes, as an interrupted download leaves it."""
    data = pdf_with_known_pages(folder).read_bytes()
    path = folder / "truncated.pdf"
    path.write_bytes(data[: len(data) * 2 // 5])
    return path


def structured_docx(folder: Path) -> Path:
    """Title, headings on two levels, a bulleted and a numbered list, a table with a merged cell."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Askwell user guide"
    document.add_heading("User guide", level=0)  # the "Title" style
    document.add_heading("Installation", level=1)
    document.add_paragraph("Askwell runs on Linux and macOS. It needs Python 3.11.")
    document.add_paragraph("Download the package", style="List Bullet")
    document.add_paragraph("Create a virtual environment", style="List Bullet")
    document.add_paragraph("Check the signature", style="List Bullet 2")
    document.add_heading("Configuration", level=2)
    document.add_paragraph("Settings are read from the environment.")
    table = document.add_table(rows=3, cols=3)
    for row, values in enumerate([("Setting", "Default", "Meaning"), ("PORT", "8000", "HTTP port")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "DATA_DIR"
    table.cell(2, 2).text = "Where files go"
    document.add_paragraph("Restart after changing a setting.")
    document.add_paragraph("First step", style="List Number")
    document.add_paragraph("Second step", style="List Number")
    path = folder / "guide.docx"
    document.save(str(path))
    return path


def docx_zip_bomb(folder: Path, uncompressed_mib: int) -> Path:
    """A .docx-named zip whose word/document.xml inflates to `uncompressed_mib` MiB of zeros.

    Written through a streaming deflater one MiB at a time: the file on disk is about
    uncompressed_mib KiB, nothing large is ever held in memory.
    """
    path = folder / "bomb.docx"
    zero_mib = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(uncompressed_mib):
                member.write(zero_mib)
    return path


def not_a_zip_docx(folder: Path) -> Path:
    path = folder / "fake.docx"
    path.write_text("this is plain text, not a Word document\n", encoding="utf-8")
    return path


def zip_without_document_docx(folder: Path) -> Path:
    """A zip with a content-types part but no Word document inside."""
    path = folder / "hollow.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("readme.txt", "nothing here")
    return path


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Backups &amp; restores</title>
<style>body { color: red }</style><script>var tracking = "do not index";</script></head>
<body>
<header class="site-header"><a href="/">ACME Docs</a> Small. Fast. Reliable.</header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li></ul></nav>
<div class="breadcrumbs"><a href="/">Docs</a> &gt; Operations</div>
<div id="sidebar-left"><h3>Related pages</h3><ul><li>Other topic</li></ul></div>
<div class="mainMenu">Products Pricing Careers</div>
<article class="doc-with-toc">
  <header><h1>Backups &amp; restores</h1></header>
  <div class="toc">Contents: Schedule, Restore</div>
  <p>Backups run   every night.
     They keep <b>fourteen</b>&nbsp;days&#160;of history.</p>
  <h2>Schedule</h2>
  <p>Line one<br>Line two</p>
  <ul><li>Daily at 02:00</li><li>Weekly on <em>Sunday</em><ul><li>full copy</li></ul></li></ul>
  <table><thead><tr><th>Kind</th><th>Kept</th></tr></thead>
    <tbody><tr><td>daily</td><td>14 days</td></tr><tr><td>weekly</td><td>8 weeks</td></tr></tbody></table>
  <h2>Restore</h2>
  <pre>askwell restore --latest
  --verify</pre>
  <div>Loose text in a div is content too.</div>
  <blockquote><p>Test your restores.</p></blockquote>
  <button>Copy</button>
  <footer>Article footer: last edited yesterday</footer>
</article>
<aside>Advertisement: buy more disks</aside>
<form action="/search"><input name="q"> Search the site</form>
<footer role="contentinfo">Copyright ACME 2024</footer>
<script>console.log("late script")</script>
</body></html>
"""


def html_page(folder: Path) -> Path:
    """A page wrapped in site chrome (header, nav, breadcrumbs, sidebar, menu, footer) around an <article>."""
    path = folder / "page.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    return path


MARKDOWN = """---
title: "Operator handbook"
tags: [ops]
---
Intro paragraph before any heading,
wrapped over two lines with **bold** and a [link](https://example.com).

# Operator handbook

## Install

Run the installer.

```bash
# this is a comment, not a heading
pip install askwell
```

Setext heading
--------------

- first item
- second item
  - nested item

1. one
2. two

| Setting | Default |
|---------|---------|
| PORT    | 8000    |
| HOST    | `0.0.0.0` |

> A quoted tip.

    indented code block
"""


def markdown_file(folder: Path) -> Path:
    """Front matter, text before the first heading, ATX and setext headings, a fence holding a
    "#" line, nested and numbered lists, a table, a quote and an indented code block."""
    path = folder / "handbook.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    return path


def csv_file(folder: Path) -> Path:
    """Semicolon-separated, quoted fields (one with the delimiter, one spanning two lines), an empty cell."""
    path = folder / "people.csv"
    path.write_text(
        'name;born;notes\nAda Lovelace;1815;"first program; analytical engine"\n'
        'Alan Turing;1912;"computability\nand codebreaking"\nGrace Hopper;;compilers\n',
        encoding="utf-8",
    )
    return path


def empty_file(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"")
    return path


SQLITE_STYLE_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">
<title>Opening A New Database Connection</title></head>
<body>
<div class=nosearch>
<a href="index.html"><img class="logo" src="images/banner.gif" alt="SQLite" border="0"></a>
<div class="tagline desktoponly">Small. Fast. Reliable.<br>Choose any three.</div>
<div class="menu mainmenu"><ul>
<li><a href="index.html">Home</a>
<li class='wideonly'><a href='about.html'>About</a>
<li class='desktoponly'><a href="docs.html">Documentation</a>
<li class='desktoponly'><a href="download.html">Download</a>
</ul></div>
<div class="menu submenu" id="submenu"><ul><li><a href='about.html'>About</a></ul></div>
<div class="searchmenu" id="searchmenu"><form method="GET" action="search">
<select name="s"><option value="d">Search Documentation</option></select>
<input type="text" name="q"><input type="submit" value="Go"></form></div>
</div>
<script>function toggle_div(nm) { return nm; }</script>
<div class=fancy><div class=nosearch>
<div class="fancy_toc"><a onclick="toggle_toc()">Table Of Contents</a>
<div id="toc_sub"><div class="fancy-toc1"><a href="#overview">1. Overview</a></div></div></div>
</div>
<div class=nosearch>
<a href="intro.html"><h2>SQLite C Interface</h2></a>
<h2>Opening A New Database Connection</h2>
</div>
<blockquote><pre>
int sqlite3_open(
  const char *filename,   /* Database filename (UTF-8) */
  sqlite3 **ppDb          /* OUT: SQLite db handle */
);
</pre></blockquote>
<p>
These routines open an SQLite database file as specified by the
filename argument.</p>
<p><li> <b>nolock</b>: The nolock parameter is a boolean query parameter.</p>
<p><a name="examples"></a>
 <h3>URI filename examples</h3></p>
<p><table border="1" align=center cellpadding=5>
<tr><th> URI filenames <th> Results
<tr><td> file:data.db <td>
Open the file "data.db" in the current directory.
</table></p>
</div>
</body></html>
"""


def sqlite_style_page(folder: Path) -> Path:
    """A page shaped like the SQLite documentation: logo, tagline, menus, search form and table of
    contents before the content, with headings inside a "nosearch" div and <li>/<h3> inside <p>."""
    path = folder / "open.html"
    path.write_text(SQLITE_STYLE_PAGE, encoding="utf-8")
    return path
