"""Hostile upload files for the upload attack suite, built in memory on the spot (nothing downloaded).

Zip archives are written by hand (local headers, central directory, end record) where a test needs
a member whose declared sizes or whose deflate stream are not what zipfile would write: a bomb of
1 GiB of zeros is a ~1 MB deflate stream made by repeating one flushed block, so building it costs
milliseconds and no memory.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class RawMember:
    """One zip member as it will be written: `data` is already compressed with `method`."""

    name: str
    data: bytes
    file_size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def raw_zip(members: list[RawMember]) -> bytes:
    """A zip archive of members whose sizes and CRCs are written exactly as given."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        name = member.name.encode()
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.data),
                member.file_size,
                len(name),
                0,
            )
        )
        out.write(name)
        out.write(member.data)
        central.write(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\x01\x02",
                20,
                3,
                20,
                0,
                0,
                member.method,
                0,
                0x21,
                member.crc,
                len(member.data),
                member.file_size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.write(name)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0)
    )
    return out.getvalue()


def stored(name: str, text: str) -> RawMember:
    data = text.encode()
    return RawMember(name, data, len(data), zlib.crc32(data), zipfile.ZIP_STORED)


def zeros_deflated(total: int) -> bytes:
    """A raw deflate stream that inflates to `total` zero bytes (a multiple of 1 MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    # After a full flush the compressor forgets what came before, so the same input gives the
    # same bytes again: one block stands for every MiB.
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (total // MiB) + compressor.flush()


def docx_parts(document_xml: str) -> list[RawMember]:
    return [
        stored("[Content_Types].xml", CONTENT_TYPES),
        stored("_rels/.rels", ROOT_RELS),
        stored("word/document.xml", document_xml),
    ]


def document_xml(body: str, doctype: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_zip_bomb() -> bytes:
    """word/document.xml honestly declares 1 GiB of zeros, in a ~1 MB stream."""
    stream = zeros_deflated(GiB)
    parts = docx_parts(document_xml(paragraph("bomb")))[:2]
    return raw_zip([*parts, RawMember("word/document.xml", stream, GiB, 0)])


def docx_lying_bomb() -> bytes:
    """word/document.xml declares 4 KB but its stream inflates to 1 GiB."""
    stream = zeros_deflated(GiB)
    parts = docx_parts(document_xml(paragraph("bomb")))[:2]
    return raw_zip([*parts, RawMember("word/document.xml", stream, 4096, 0)])


def docx_many_members(count: int = 20_000) -> bytes:
    """A valid-looking DOCX with `count` extra empty members."""
    parts = docx_parts(document_xml(paragraph("many members")))
    return raw_zip(parts + [stored(f"word/media/m{i}.xml", "") for i in range(count)])


def docx_billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = f"<!DOCTYPE w:document [{''.join(entities)}]>"
    body = paragraph("Visible laughs.") + paragraph("&lol9;")
    return raw_zip(docx_parts(document_xml(body, doctype)))


def docx_xxe(secret_path: str) -> bytes:
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
    body = paragraph("The visible paragraph of the entity report.") + paragraph("&xxe;")
    return raw_zip(docx_parts(document_xml(body, doctype)))


def corrupt_zip() -> bytes:
    return b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8


# --- PDFs -------------------------------------------------------------------------------------


def pdf(objects: list[bytes], *, trailer: bytes, xref_prev_self: bool = False) -> bytes:
    """A PDF of `objects` (numbered from 1) with a correct xref table; optionally a /Prev that
    points at the table itself."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    prev = b" /Prev %d" % xref if xref_prev_self else b""
    out.write(
        b"trailer\n<< /Size %d %s%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, prev, xref)
    )
    return out.getvalue()


_TEXT = b"BT /F1 12 Tf 72 720 Td (Loop text) Tj ET"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_pages_loop() -> bytes:
    """The page tree's /Kids holds the tree itself (and a page whose parent is the tree)."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(_TEXT), _TEXT),
            _FONT,
        ],
        trailer=b"/Root 1 0 R",
    )


def pdf_xref_prev_loop() -> bytes:
    """The trailer's /Prev points back at its own xref table, and nothing else is valid."""
    return pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"],
        trailer=b"/Root 1 0 R",
        xref_prev_self=True,
    )


def pdf_self_referencing_object_stream() -> bytes:
    """An object stream that holds itself and whose /Extends is itself; the catalog lives in it."""
    inner = b"1 0 3 40 "
    payload = (
        inner
        + b"<< /Type /Catalog /Pages 3 0 R >>      "
        + b"<< /Type /ObjStm /N 2 /First 9 /Extends 2 0 R >>"
    )
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /ObjStm /N 2 /First %d /Extends 2 0 R /Length %d >>\nstream\n%s\nendstream"
            % (len(inner), len(payload), payload),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 3 0 R >>",
        ],
        trailer=b"/Root 1 0 R",
    )


PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
ELF_HEAD = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00"
