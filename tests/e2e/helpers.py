"""What the browser tests share: where things are, the admin API client, logging in, asking,
axe checks, and a PDF with known pages."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
WEB_DIST = WEB / "dist"
SCREENSHOTS = WEB / "e2e" / "screenshots"
CHROMIUM = os.environ.get("ASKWELL_E2E_CHROMIUM", "/usr/bin/chromium")
ADMIN_EMAIL = "admin@example.org"

# The flags the project runs Chromium with: quiet, offline, nothing synced or updated.
# Playwright gives every launch a fresh temporary --user-data-dir of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def unavailable(message: str) -> None:
    """Skip locally; fail in CI, where a missing browser or build is a broken setup."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class Api:
    """The admin's API client, for setting the scene faster than through the UI."""

    def __init__(self, base_url: str) -> None:
        token = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": ADMIN_EMAIL, "password": PASSWORD}
        ).json()
        self.token: dict[str, Any] = token
        self.http = httpx.Client(
            base_url=f"{base_url}/api/v1",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=30,
        )

    def assistant(self, name: str, **fields: Any) -> dict[str, Any]:
        response = self.http.post("/assistants", json={"name": name, **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())


AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def login(page: Any, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> None:
    """Fill the login form shown on the current page and submit it."""
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def ask(page: Any, question: str) -> Any:
    """Send a question; returns the locator of the answer it produces (the last one)."""
    page.get_by_role("textbox", name="Message", exact=True).fill(question)
    page.get_by_role("button", name="Send").click()
    return page.get_by_role("article", name="Answer").last


def wait_until_answered(page: Any, timeout_ms: int = 30_000) -> None:
    """The stream ended: the Send button is back in place of Stop."""
    page.get_by_role("button", name="Send").wait_for(timeout=timeout_ms)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    assert AXE.is_file(), f"{AXE} is missing: run `make web` (npm ci installs axe-core)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script>: the app's
        # Content-Security-Policy rightly refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    details = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n    {v['nodes']}" for v in violations)
    assert not violations, f"axe found serious violations on {where}:\n{details}"


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_with_pages(pages: list[tuple[str, list[str]]]) -> bytes:
    """A small, valid PDF written by hand: each page a heading and body lines (Helvetica)."""
    count = len(pages)
    page_ids = [4 + 2 * i for i in range(count)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {count} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, (heading, lines) in zip(page_ids, pages, strict=True):
        ops = ["BT", "/F1 16 Tf", "72 740 Td", f"({_pdf_text(heading)}) Tj", "/F1 10 Tf", "0 -30 Td", "14 TL"]
        ops += [f"({_pdf_text(line)}) Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out = bytearray(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


FILLER = (
    "This handbook describes the household appliances sold by the Example Company, how to set "
    "them up, how to clean them and whom to call when something breaks. Read each section before "
    "first use and keep the handbook with the appliance."
)
WARRANTY_FACT = "The warranty period of the Zephyr kettle is 36 months from the date of purchase."


def handbook_pdf(folder: Path) -> Path:
    """Three pages; the warranty fact is on page 2 only."""
    body = textwrap.wrap(FILLER, 90)
    path = folder / "handbook.pdf"
    path.write_bytes(
        pdf_with_pages(
            [
                ("1. Introduction", [*body, *body, "Cleaning: descale every month with vinegar."]),
                ("2. Warranty", ["Repairs are free while the warranty runs.", WARRANTY_FACT, *body]),
                ("3. Contact", ["Call the service desk on weekdays between 9 and 17.", *body]),
            ]
        )
    )
    return path


def warranty_assistant(api: Api, name: str) -> dict[str, Any]:
    """A documents assistant (scripted model) whose only document, warranty.txt, is ingested."""
    assistant = api.assistant(name, model="scripted:echo")
    connector = api.http.post(
        f"/assistants/{assistant['id']}/connectors", json={"type": "documents", "name": "Manuals"}
    )
    assert connector.status_code == 201, connector.text
    upload = api.http.post(
        f"/connectors/{connector.json()['id']}/documents",
        files={"files": ("warranty.txt", f"Warranty\n\n{WARRANTY_FACT}\n".encode(), "text/plain")},
    )
    assert upload.status_code == 202, upload.text
    document_id = upload.json()[0]["id"]
    deadline = time.monotonic() + 90
    while (document := api.http.get(f"/documents/{document_id}").json())["status"] != "ready":
        assert document["status"] != "failed", document
        assert time.monotonic() < deadline, f"warranty.txt was not ingested: {document}"
        time.sleep(0.3)
    return assistant
