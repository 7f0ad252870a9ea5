"""Which parser a file goes to: the extension decides, magic bytes veto where a format has them.

The extension is what the user meant. Magic bytes only correct it where that helps the user: a
".docx" that is not a zip archive is not a Word document (an old binary .doc renamed, say) and is
reported as unsupported, except the OLE container in which Word stores password-protected .docx
files, which goes to the DOCX parser so that the user is told it is encrypted. A ".pdf" without
"%PDF" stays a PDF so that it fails later as a corrupt PDF, which is the more useful message.
"""

from __future__ import annotations

from pathlib import PurePosixPath

SUPPORTED_TYPES: dict[str, str] = {
    "pdf": "PDF document",
    "docx": "Word document (.docx)",
    "md": "Markdown",
    "html": "HTML page",
    "txt": "plain text",
    "csv": "CSV table",
}

_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".text": "txt",
    ".csv": "csv",
}

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # also what Word writes for an encrypted .docx
PDF_MAGIC = b"%PDF-"


def detect_type(filename: str, head: bytes) -> str | None:
    """The file's type (a key of SUPPORTED_TYPES), or None when unsupported.

    Args:
        filename: the name as uploaded; only its extension is used (case-insensitive).
        head: the first bytes of the file (a few hundred are enough; may be empty).
    """
    name = filename.strip().replace("\\", "/")
    file_type = _EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    if file_type is None:
        # No known extension: a PDF still announces itself in its first bytes.
        return "pdf" if head.lstrip()[:5] == PDF_MAGIC else None
    if file_type == "docx" and head and not head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return None
    return file_type
