"""Refuse zip bombs before a zip-based format (DOCX) is decompressed by its library.

python-docx inflates every XML part it reads into memory, so a 200 KB upload whose central
directory announces gigabytes would take the worker down. The sizes in the central directory can be
trusted as upper bounds: CPython's zipfile stops inflating a member at its declared size and then
fails its CRC check, so a member cannot expand beyond what is checked here.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from askwell.documents.parsing.base import ParseError, ParseLimits

# Below this a high ratio is harmless (a few pages of repeated XML compress 100:1 honestly).
_RATIO_FLOOR_BYTES = 1024 * 1024
# Word never writes a document type declaration; one in an OOXML part is there for entity
# expansion (billion laughs) or external entities (reading the server's files), as defusedxml
# also assumes when it forbids DTDs. The markers may straddle two reads, hence the overlap.
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_READ = 1024 * 1024


def check_zip(path: Path, limits: ParseLimits, *, label: str) -> list[str]:
    """Check the archive's declared sizes; return its member names.

    Raises:
        ParseError: "corrupt {label}: not a zip archive", or a zip bomb reason.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ParseError(f"corrupt {label}: not a zip archive") from exc
    if len(members) > limits.max_members:
        raise ParseError(f"{label} has too many parts ({len(members)}, zip bomb?)")
    uncompressed = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if uncompressed > limits.max_uncompressed_bytes:
        raise ParseError(f"{label} exceeds the uncompressed size limit (zip bomb?)")
    if uncompressed > _RATIO_FLOOR_BYTES and uncompressed > limits.max_compression_ratio * max(compressed, 1):
        raise ParseError(f"{label} exceeds the compression ratio limit (zip bomb?)")
    return [member.filename for member in members]


def refuse_dtds(path: Path, names: list[str], *, label: str) -> None:
    """Fail when an XML part declares a DTD (after :func:`check_zip`, which bounds the reading).

    Raises:
        ParseError: "{label} contains an XML document type declaration ...".
    """
    overlap = max(len(m) for m in _DTD_MARKERS) - 1
    try:
        with zipfile.ZipFile(path) as archive:
            for name in names:
                if not name.endswith((".xml", ".rels")):
                    continue
                with archive.open(name) as member:
                    tail = b""
                    while chunk := member.read(_READ):
                        window = (tail + chunk).upper()
                        if any(marker in window for marker in _DTD_MARKERS):
                            raise ParseError(
                                f"{label} contains an XML document type declaration ({name}): "
                                "entities are refused"
                            )
                        tail = window[-overlap:]
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise ParseError(f"corrupt {label}: {exc}") from exc
