"""The served app under its own Content-Security-Policy, in Chromium: the app runs with no
violation, an injected inline script is refused, and no other page can frame it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import Api, ask, wait_until_answered

pytestmark = [pytest.mark.e2e, pytest.mark.server]

# Collects the browser's CSP violation reports from the first script of each document.
_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


def test_the_app_runs_under_its_policy_and_an_injected_inline_script_is_refused(
    new_page: Any, api: Api
) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Headers", model="scripted:echo")
    page = new_page(token=api.token)
    page.add_init_script(_RECORD_VIOLATIONS)
    response = page.goto(f"/chat/{assistant['id']}")
    assert response is not None
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert response.headers["x-content-type-options"] == "nosniff"

    ask(page, "Is the app allowed to run?")
    wait_until_answered(page)
    expect(page.get_by_role("article", name="Answer").last).to_contain_text("Is the app allowed to run?")
    assert _violations(page) == []  # the whole app (chat, stream, rendering) needs no exception

    # What an answer that slipped HTML past the renderer would try: an inline script.
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = true';
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in _violations(page))


def test_another_page_cannot_frame_the_app(new_page: Any, server: str) -> None:
    page = new_page()
    page.set_content(f'<iframe id="askwell" src="{server}/login" width="600" height="400"></iframe>')
    page.wait_for_timeout(1_000)  # the frame's navigation settles (refused, or loaded)
    frames = [frame for frame in page.frames if frame is not page.main_frame]
    assert frames, "the iframe was not created"
    # Refused by frame-ancestors 'none': Chromium shows its error page, never the app.
    assert all(frame.query_selector("#root") is None for frame in frames)
