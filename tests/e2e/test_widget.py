"""The embeddable widget in Chromium, on a page served from a second local origin: the
bubble opens, a question gets a streamed answer with its sources; on a page from an origin
the key does not list, the server refuses (403) and the widget says so."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import Api

# The host page's own CSS tries to break the widget: the shadow root keeps it out.
_HOSTILE_CSS = "button { display: none !important; } * { font-size: 40px !important; }"


@contextmanager
def _host_site(content: dict[str, str]) -> Iterator[str]:
    """A tiny web site on another port of 127.0.0.1: another origin than Askwell's. It serves
    content["html"], set once its origin (which the key must name) is known."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = content.get("html", "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()


def _page(server: str, assistant_id: str, key: str) -> str:
    return f"""<!doctype html><html><head><title>Shop</title><style>{_HOSTILE_CSS}</style></head>
<body><h1>A shop</h1>
<script src="{server}/widget.js" data-assistant="{html.escape(assistant_id)}"
        data-key="{html.escape(key)}" data-title="Shop help" defer></script></body></html>"""


@pytest.fixture(scope="module")
def widget_assistant(api: Api) -> dict[str, Any]:
    assistant = api.assistant("Widget helper")
    connector = api.http.post(f"/assistants/{assistant['id']}/connectors", json={"type": "documents"})
    assert connector.status_code == 201, connector.text
    text = b"Returns are accepted within 30 days of delivery with the receipt."
    files = [("files", ("returns.txt", text, "text/plain"))]
    uploaded = api.http.post(f"/connectors/{connector.json()['id']}/documents", files=files)
    assert uploaded.status_code == 202, uploaded.text
    for _ in range(600):
        documents = api.http.get(f"/connectors/{connector.json()['id']}/documents").json()
        if all(d["status"] in ("ready", "failed") for d in documents):
            break
        threading.Event().wait(0.1)
    assert [d["status"] for d in documents] == ["ready"], documents
    return assistant


def _widget_key(api: Api, assistant_id: str, origin: str) -> str:
    body = {
        "name": "shop widget",
        "assistant_ids": [assistant_id],
        "actions": ["chat"],
        "kind": "widget",
        "allowed_origins": [origin],
    }
    response = api.http.post("/api-keys", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.mark.e2e
def test_the_widget_answers_on_an_allowed_origin(
    new_page: Any, server: str, api: Api, widget_assistant: dict[str, Any], screenshots: Path
) -> None:
    holder: dict[str, str] = {}
    with _host_site(holder) as site:
        key = _widget_key(api, widget_assistant["id"], site)
        holder["html"] = _page(server, widget_assistant["id"], key)
        page = new_page(width=1280, height=820)
        page.goto(site)
        launcher = page.get_by_role("button", name="Open chat")
        launcher.click()
        dialog = page.get_by_role("dialog", name="Shop help")
        dialog.get_by_role("textbox", name="Your question").fill("Can I return a jacket?")
        dialog.get_by_role("button", name="Send").click()
        answer = dialog.locator("[data-role=assistant]").last
        answer.get_by_text("You asked").wait_for()
        summary = answer.locator("summary")
        summary.wait_for()
        assert summary.inner_text() == "1 source"
        summary.click()
        assert "returns.txt" in answer.locator(".sources").inner_text()
        assert answer.locator(".steps li").count() > 0
        # The host's CSS did not reach in: the launcher is shown, at the widget's own size.
        font_size = dialog.get_by_role("button", name="Send").evaluate("b => getComputedStyle(b).fontSize")
        assert font_size == "14px"
        page.screenshot(path=str(screenshots / "widget-answer.png"))

        # Phone width: the panel takes the screen, no horizontal scroll.
        phone = new_page(width=375, height=700, dark=True)
        phone.goto(site)
        phone.get_by_role("button", name="Open chat").click()
        box = phone.get_by_role("dialog", name="Shop help").bounding_box()
        assert box is not None and box["width"] == 375
        background = phone.locator("askwell-widget").evaluate(
            "h => getComputedStyle(h.shadowRoot.querySelector('.panel')).backgroundColor"
        )
        assert background == "rgb(23, 27, 34)"  # the dark theme, from prefers-color-scheme


@pytest.mark.e2e
def test_the_widget_is_refused_on_another_origin(
    new_page: Any, server: str, api: Api, widget_assistant: dict[str, Any]
) -> None:
    holder: dict[str, str] = {}
    with _host_site(holder) as site:
        key = _widget_key(api, widget_assistant["id"], "https://only-this-shop.example")
        holder["html"] = _page(server, widget_assistant["id"], key)
        page = new_page()
        statuses: list[int] = []
        page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/chat/stream") else None)
        page.goto(site)
        page.get_by_role("button", name="Open chat").click()
        dialog = page.get_by_role("dialog", name="Shop help")
        dialog.get_by_role("textbox", name="Your question").fill("hello")
        dialog.get_by_role("button", name="Send").click()
        alert = dialog.get_by_role("alert")
        alert.wait_for()
        assert alert.inner_text() == "This website is not allowed to use this assistant."
        assert 403 in statuses
    # The same refusal at the API, for the record.
    response = httpx.post(
        f"{server}/api/v1/chat/stream",
        json={"message": "x", "assistant_id": widget_assistant["id"], "session_id": "w_refused_1"},
        headers={"Authorization": f"Bearer {key}", "Origin": site},
    )
    assert response.status_code == 403 and response.json()["code"] == "widget_origin_forbidden"


def test_widget_js_is_served(server: str) -> None:
    response = httpx.get(f"{server}/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "AskwellWidget" in response.text
    # Askwell's own pages keep their policy.
    assert "script-src 'self'" in httpx.get(f"{server}/").headers["content-security-policy"]
