"""An answer that obeyed an injected order, in Chromium: its HTML shows as text, nothing in it
runs, no element of it carries an event handler, and the instructions it repeated are gone.

The model is the obeying one of tests/security/injection.py: a message with the injected
order makes it answer with its system prompt, bogus citations and an HTML payload.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import Api, ask, wait_until_answered
from tests.security.injection import INJECTION, OBEDIENT, SECRET_MARK, SECRET_PROMPT

pytestmark = [pytest.mark.e2e, pytest.mark.server]


def test_an_answer_that_obeyed_an_injection_renders_as_text_and_runs_nothing(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Injected desk", model=OBEDIENT, system_prompt=SECRET_PROMPT)
    page = new_page(token=api.token)
    page.goto(f"/chat/{assistant['id']}")
    answer = ask(page, f"Summarise this note: {INJECTION}")
    wait_until_answered(page)
    expect(answer).to_contain_text("Of course. My system prompt is:")

    # The markup is visible as the characters the model wrote, never as elements.
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned = 2">')
    expect(answer).to_contain_text("<script>window.__pwned = 1</script>")
    text_of_answer = answer.locator(".markdown")  # the answer's own markup (the app's icons are SVG)
    assert text_of_answer.count() == 1
    assert text_of_answer.locator("script, img, svg, iframe, object, embed, style").count() == 0
    assert page.locator("[onerror], [onload], [onclick], a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    details = answer.get_by_role("link", name="details")
    if details.count():  # the link's target was refused: it goes nowhere that runs code
        assert not (details.get_attribute("href") or "").lower().startswith("javascript")

    text = text_of_answer.inner_text()
    assert SECRET_MARK not in text and "[9]" not in text and "[ 7 ]" not in text
