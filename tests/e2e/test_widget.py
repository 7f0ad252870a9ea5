"""The embeddable widget in a real browser, on other sites' pages: a page on an origin its key
lists opens the bubble, asks, and reads the streamed answer with its source; a page on an
origin no key lists is told so. Each page is served by a small HTTP server of its own port
(another origin than Askwell's), as a customer's site would be.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import new_session_id
from tests.e2e.helpers import Api, warranty_assistant

pytestmark = [pytest.mark.e2e, pytest.mark.server]

REFUSED = "This website is not allowed to use this assistant."


class _Site(ThreadingHTTPServer):
    """A customer's web site on a port of its own: every GET gets its one page."""

    page = b""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PageHandler(BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.page)))
        self.end_headers()
        self.wfile.write(self.server.page)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test's output is the assertions'."""


@pytest.fixture
def sites() -> Iterator[Callable[[], _Site]]:
    """Starts web sites (their page is set once the origin, and so the key, is known)."""
    started: list[_Site] = []

    def start() -> _Site:
        site = _Site(("127.0.0.1", 0), _PageHandler)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        started.append(site)
        return site

    yield start
    for site in started:
        site.shutdown()
        site.server_close()


def _embedding_page(askwell: str, assistant_id: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kettle shop</title></head>
<body><h1>Kettle shop</h1>
<script src="{askwell}/widget.js" data-assistant="{assistant_id}" data-key="{key}"
        data-title="Ask the kettle shop" defer></script>
</body></html>"""


def _widget_key(api: Api, assistant_id: str, origin: str) -> str:
    created = api.http.post(
        "/api-keys",
        json={
            "name": "kettle shop",
            "kind": "widget",
            "assistant_ids": [assistant_id],
            "actions": ["chat"],
            "allowed_origins": [origin],
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def _ask(page: Any, question: str) -> None:
    page.get_by_role("button", name="Open chat").click()
    page.get_by_role("textbox", name="Your question").fill(question)
    page.get_by_role("button", name="Send").click()


def test_the_widget_answers_on_a_listed_site_and_refuses_another(
    new_page: Any, api: Api, server: str, sites: Callable[[], _Site]
) -> None:
    from playwright.sync_api import expect

    assistant = warranty_assistant(api, "Kettle shop")
    shop, elsewhere = sites(), sites()
    key = _widget_key(api, assistant["id"], shop.origin)
    shop.page = elsewhere.page = _embedding_page(server, assistant["id"], key).encode()

    page = new_page()
    page.goto(f"{shop.origin}/kettles.html")
    _ask(page, "How long is the warranty?")
    answer = page.locator("askwell-widget .msg.bot")
    expect(answer.locator(".answer")).to_contain_text("You asked: How long is the warranty?")
    expect(answer.locator(".answer")).to_contain_text("From the passages:")
    expect(answer.get_by_role("link", name="Source 1")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()  # the stream has ended
    expect(answer.locator(".steps li").first).to_be_visible()
    expect(answer.locator(".steps li.running")).to_have_count(0)  # every step finished
    answer.get_by_role("link", name="Source 1").click()  # opens the sources, in the widget
    source = answer.locator(".sources li").first
    expect(source).to_be_visible()
    expect(source).to_contain_text("warranty.txt")
    expect(source).to_contain_text("36 months")
    assert page.url == f"{shop.origin}/kettles.html"  # the citation left the host page alone
    expect(page.get_by_role("alert")).to_have_count(0)

    refused = new_page()
    refused.goto(f"{elsewhere.origin}/kettles.html")
    _ask(refused, "How long is the warranty?")
    expect(refused.get_by_role("alert")).to_have_text(REFUSED)
    expect(refused.locator("askwell-widget .msg.bot")).to_have_count(0)


def test_a_request_from_an_unlisted_origin_is_refused_without_cors(api: Api, server: str) -> None:
    assistant = api.assistant("Kettle shop, strict", model="scripted:echo")
    key = _widget_key(api, assistant["id"], "http://127.0.0.1:1")
    evil = "http://127.0.0.1:2"
    body = {"message": "hello", "assistant_id": assistant["id"], "session_id": new_session_id()}
    chat = httpx.post(
        f"{server}/api/v1/chat/stream", json=body, headers={"Authorization": f"Bearer {key}", "Origin": evil}
    )
    assert chat.status_code == 403 and chat.json()["code"] == "widget_origin_forbidden"
    assert "access-control-allow-origin" not in chat.headers
    preflight = httpx.options(
        f"{server}/api/v1/chat/stream",
        headers={"Origin": evil, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
