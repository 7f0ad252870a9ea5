"""Which parser a file goes to: the extension decides, magic bytes veto where a format has them.

A file whose first bytes name another format than its extension (a ZIP archive named .pdf, a PDF
named .docx, a PNG or a program named .md) is refused at upload, naming what it really is: browsers'
and mail scanners' content sniffing also trust signatures over names, and the user learns at once
that the wrong file was picked. Text formats carry no signature, so they go by their name: HTML
named .txt is indexed as the plain text it was called (nothing is ever rendered), and the
Content-Type a client sends is never used.

The extension is what the user meant. Magic bytes only correct it where that helps the user: a
".docx" that is not a zip archive is not a Word document (an old binary .doc renamed, say) and is
reported as unsupported, except the OLE container in which Word stores password-protected .docx
files, which goes to the DOCX parser so that the user is told it is encrypted. A ".pdf" without
"%PDF" stays a PDF so that it fails later as a corrupt PDF, which is the more useful message; an
image named .png, .jpg or .tif goes by the image format its bytes name (all are read by OCR), and
one that names none fails later as a corrupt image.
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
    "png": "PNG image (OCR)",
    "jpeg": "JPEG image (OCR)",
    "tiff": "TIFF image (OCR, one page per frame)",
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
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
}

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # also what Word writes for an encrypted .docx
PDF_MAGIC = b"%PDF-"
# Images are read by OCR; a scan saved under another image format's extension is still a scan.
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
_IMAGE_TYPES = set(_IMAGE_MAGIC.values())
_IMAGE_KINDS = {"PNG image", "JPEG image", "TIFF image"}


# Signatures of formats that are never text; the first that matches names the file's real kind.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (PDF_MAGIC, "PDF document"),
    (ZIP_MAGIC, "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (OLE_MAGIC, "Microsoft Office (OLE) file"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ\x90\x00", "Windows executable"),  # not bare "MZ": a text may start so
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
)
# What each type's signature may be; text types accept none of the signatures above.
_ALLOWED = {
    "pdf": {"PDF document"},
    "docx": {"ZIP archive", "Microsoft Office (OLE) file"},
    "png": _IMAGE_KINDS,
    "jpeg": _IMAGE_KINDS,
    "tiff": _IMAGE_KINDS,
}


def real_kind(filename: str, head: bytes) -> str | None:
    """What the file really is when its first bytes contradict its extension, else None."""
    file_type = _EXTENSIONS.get(PurePosixPath(filename.strip().replace("\\", "/")).suffix.lower())
    if file_type is None:
        return None
    kind = next((name for magic, name in _SIGNATURES if head.startswith(magic)), None)
    if kind is None or kind in _ALLOWED.get(file_type, set()):
        return None
    return kind


def detect_type(filename: str, head: bytes) -> str | None:
    """The file's type (a key of SUPPORTED_TYPES), or None when unsupported.

    Args:
        filename: the name as uploaded; only its extension is used (case-insensitive).
        head: the first bytes of the file (a few hundred are enough; may be empty).
    """
    name = filename.strip().replace("\\", "/")
    file_type = _EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    image_type = next((kind for magic, kind in _IMAGE_MAGIC.items() if head.startswith(magic)), None)
    if file_type is None:
        # No known extension: a PDF or an image still announces itself in its first bytes.
        return "pdf" if head.lstrip()[:5] == PDF_MAGIC else image_type
    if file_type == "docx" and head and not head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return None
    if file_type in _IMAGE_TYPES and image_type is not None:
        return image_type  # a JPEG named .png is read as the JPEG it is
    return file_type
