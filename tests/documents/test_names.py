"""Uploaded file names: what is shown and what is stored holds no invisible characters."""

from __future__ import annotations

import httpx
import pytest

from askwell.documents.storage import display_name, safe_name
from tests.documents.helpers import documents_assistant, upload


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("report\x00.txt", "report.txt"),  # NUL
        ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),  # right-to-left override
        ("a\u2066b\u2069\u202a\u202c.txt", "ab.txt"),  # isolates and embeddings
        ("zero\u200bwidth\ufeff\u200d.txt", "zerowidth.txt"),  # zero-width and BOM (Cf)
        ("c1\x9b\x9fcontrol.txt", "c1control.txt"),  # C1 controls (U+0085 NEL is a space)
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # NFC: e + combining acute -> é
        ("  many \t\n  spaces  .txt ", "many spaces .txt"),  # whitespace collapsed
        ("guides/\u202esetup.md", "guides/setup.md"),  # folders kept, each part cleaned
        ("\u202e\u200b/\x00", "file"),  # nothing visible left: the fallback
        ("../../etc/passwd", "etc/passwd"),  # no climbing out
    ],
)
def test_display_name_keeps_only_visible_characters(given: str, shown: str) -> None:
    assert display_name(given) == shown


def test_display_name_is_bounded() -> None:
    name = display_name("x" * 1000 + ".txt")
    assert len(name) == 255 and name.endswith(".txt")


def test_safe_name_drops_invisible_characters_before_replacing_odd_ones() -> None:
    assert safe_name("in\u202evoice\x00.txt") == "invoice.txt"
    assert safe_name("\u200b") == "file"


async def test_uploaded_name_is_cleaned_in_the_api(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    # httpx percent-encodes a NUL in a multipart file name ("%00"), so the API case sends the
    # characters that do travel as UTF-8; NUL is covered by the unit cases above.
    _, connector = await documents_assistant(client, admin_headers)
    response = await upload(
        client, admin_headers, connector["id"], [("notes\u202e\u2066\u200b.txt", b"Plain notes.\n")]
    )
    assert response.status_code == 202, response.text
    assert [d["name"] for d in response.json()] == ["notes.txt"]
    listed = await client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin_headers)
    assert [d["name"] for d in listed.json()] == ["notes.txt"]
