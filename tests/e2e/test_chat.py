"""The chat in a real browser: log in, create an assistant, ask, reload, rename, reset, stop,
errors, the login prompt of a login-only assistant, accessibility and small screens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Api, ask, assert_accessible, login, no_horizontal_scroll, wait_until_answered

pytestmark = [pytest.mark.e2e, pytest.mark.server]


def test_admin_creates_an_assistant_and_chats(new_page: Any, api: Api, screenshots: Path) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto("/login?next=/admin/assistants")
    login(page)
    expect(page.get_by_role("heading", name="Assistants")).to_be_visible()

    page.get_by_role("button", name="New assistant").click()
    page.get_by_label("Name", exact=True).fill("Kettle helpdesk")
    page.get_by_label("Description").fill("Answers questions about kettles")
    page.get_by_label("System prompt").fill("You answer questions about kettles.")
    page.get_by_label("Model").select_option("scripted:echo")
    page.get_by_label("Answer language").select_option("en")
    page.get_by_role("button", name="Create assistant").click()
    expect(page.get_by_text("Saved “Kettle helpdesk”.").first).to_be_visible()
    assert_accessible(page, "the assistants admin page")

    page.get_by_role("link", name="Kettle helpdesk", exact=True).click()
    expect(page.get_by_role("heading", name="Kettle helpdesk", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/chat/[0-9a-f-]{36}/s-[0-9a-f]{32}$"))

    answer = ask(page, "How do I descale the kettle?")
    wait_until_answered(page)
    expect(answer).to_contain_text("You asked: How do I descale the kettle?")
    # The step timeline collapsed to its summary once done; it opens on demand.
    steps = answer.get_by_role("button", name=re.compile(r"\d+ steps?"))
    expect(steps).to_have_attribute("aria-expanded", "false")
    steps.click()
    expect(answer.get_by_role("list", name="Steps")).to_contain_text("Generating answer")
    answer2 = ask(page, "And how often?")
    wait_until_answered(page)
    expect(answer2).to_contain_text("Your first question was: How do I descale the kettle?")
    page.screenshot(path=str(screenshots / "chat-light.png"))
    assert_accessible(page, "the chat page")

    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.screenshot(path=str(screenshots / "chat-dark.png"))
    assert_accessible(page, "the chat page in the dark theme")
    page.get_by_role("button", name="Dark theme").click()

    # Reloading restores the conversation from the history endpoint.
    url = page.url
    page.reload()
    expect(page.get_by_role("article", name="Your message").first).to_have_text(
        "How do I descale the kettle?"
    )
    expect(page.get_by_role("article", name="Answer").last).to_contain_text("Your first question was")
    assert page.url == url

    # The session is listed (the server's list for a logged-in user) and can be renamed.
    sessions = page.get_by_role("navigation", name="Conversations")
    sessions.get_by_role("button", name="Rename “How do I descale the kettle?”").click()
    sessions.get_by_label("New name for “How do I descale the kettle?”").fill("Descaling")
    sessions.get_by_role("button", name="Save").click()
    expect(sessions.get_by_role("link", name="Descaling")).to_have_attribute("aria-current", "page")

    # Reset empties the conversation, for good.
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_role("heading", name="Ask Kettle helpdesk anything")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Ask Kettle helpdesk anything")).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(0)


def test_anonymous_user_gets_the_login_prompt_for_a_login_only_assistant(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    private = api.assistant("Staff only", user_authentication=True, model="scripted:echo")
    page = new_page()
    page.goto(f"/chat/{private['id']}")
    expect(page.get_by_role("heading", name="Log in to continue")).to_be_visible()
    expect(page.get_by_text("available to signed-in users only")).to_be_visible()
    assert_accessible(page, "the login prompt")

    login(page)
    expect(page.get_by_role("heading", name="Staff only", exact=True)).to_be_visible()
    answer = ask(page, "Am I in?")
    wait_until_answered(page)
    expect(answer).to_contain_text("You asked: Am I in?")


def test_anonymous_chat_is_kept_in_this_browser(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    public = api.assistant("Public desk", model="scripted:echo")
    page = new_page()
    page.goto(f"/chat/{public['id']}")
    answer = ask(page, "Hello from nobody")
    wait_until_answered(page)
    expect(answer).to_contain_text("You asked: Hello from nobody")
    sessions = page.get_by_role("navigation", name="Conversations")
    expect(sessions.get_by_role("link", name="Hello from nobody")).to_be_visible()

    page.reload()
    expect(page.get_by_role("article", name="Answer")).to_contain_text("You asked: Hello from nobody")

    # A new chat, then back to the first through the list.
    sessions.get_by_role("button", name="New chat").click()
    expect(page.get_by_role("article")).to_have_count(0)
    sessions.get_by_role("link", name="Hello from nobody").click()
    expect(page.get_by_role("article", name="Answer")).to_contain_text("Hello from nobody")

    # Deleting resets it on the server and drops it from this browser's list.
    sessions.get_by_role("button", name="Delete “Hello from nobody”").click()
    sessions.get_by_role("button", name="Delete", exact=True).click()
    expect(sessions.get_by_role("link", name="Hello from nobody")).to_have_count(0)
    expect(page.get_by_role("article")).to_have_count(0)


def test_stop_cancels_the_stream_and_errors_show_inline(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    slow = api.assistant("Slow talker", model="scripted:slow")
    failing = api.assistant("Broken model", model="scripted:fail")
    page = new_page(token=api.token)

    page.goto(f"/chat/{slow['id']}")
    answer = ask(page, "Tell me everything")
    expect(answer).to_contain_text("You asked")  # tokens are arriving
    page.get_by_role("button", name="Stop").click()
    expect(answer).to_contain_text("Stopped")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    kept = answer.locator(".markdown").inner_text()
    assert len(kept) < len("You asked: Tell me everything. I remember 0 earlier messages.") * 20

    page.goto(f"/chat/{failing['id']}")
    answer = ask(page, "Will this work?")
    wait_until_answered(page)
    expect(answer.get_by_role("alert")).to_contain_text("failed on purpose")
    expect(answer).to_contain_text("You asked")  # the partial answer is kept above the error
    answer.get_by_role("button", name="Retry").click()
    wait_until_answered(page)
    expect(page.get_by_role("article", name="Answer")).to_have_count(1)
    expect(page.get_by_role("article", name="Answer").get_by_role("alert")).to_contain_text(
        "failed on purpose"
    )


def test_admin_pages_are_accessible_and_fit_a_phone(new_page: Any, api: Api, screenshots: Path) -> None:
    from playwright.sync_api import expect

    phone_desk = api.assistant("Phone desk", model="scripted:echo")
    for dark in (False, True):
        page = new_page(token=api.token, dark=dark)
        for section, heading in (
            ("assistants", "Assistants"),
            ("knowledge", "Knowledge"),
            ("users", "Users"),
        ):
            page.goto(f"/admin/{section}")
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            assert_accessible(page, f"/admin/{section} ({'dark' if dark else 'light'})")

    phone = new_page(token=api.token, width=375, height=740)
    for path in ("/admin/assistants", "/admin/users", "/admin/knowledge"):
        phone.goto(path)
        phone.get_by_role("navigation", name="Administration").wait_for()
        assert no_horizontal_scroll(phone), f"{path} scrolls sideways at 375 px"
    phone.get_by_role("link", name="Chat", exact=True).click()
    phone.get_by_role("heading", level=1).wait_for()
    phone.goto(f"/chat/{phone_desk['id']}")
    answer = ask(phone, "Small screen?")
    wait_until_answered(phone)
    expect(answer).to_contain_text("You asked: Small screen?")
    assert no_horizontal_scroll(phone), "the chat scrolls sideways at 375 px"
    phone.get_by_role("button", name="Conversations").click()
    expect(phone.get_by_role("navigation", name="Conversations")).to_be_visible()
    phone.screenshot(path=str(screenshots / "chat-phone-375.png"))
    assert_accessible(phone, "the chat at 375 px with the conversations drawer open")


def test_users_admin_creates_changes_role_and_deactivates(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    page = new_page(token=api.token)
    page.goto("/admin/users")
    page.get_by_label("E-mail").fill("bob@example.org")
    page.get_by_label("Name").fill("Bob")
    page.get_by_label("Password").fill("another long password")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("Created bob@example.org.")).to_be_visible()

    page.get_by_label("Role of bob@example.org").select_option("admin")
    expect(page.get_by_text("bob@example.org is now admin.")).to_be_visible()
    page.get_by_role("button", name="Deactivate bob@example.org").click()
    expect(page.get_by_role("button", name="Reactivate bob@example.org")).to_be_visible()
    users = api.http.get("/users").json()
    bob = next(u for u in users if u["email"] == "bob@example.org")
    assert bob["role"] == "admin" and bob["is_active"] is False
    # An admin cannot lock themself out: the control is not offered.
    expect(page.get_by_label("Role of admin@example.org")).to_be_disabled()


def test_the_chat_works_from_the_keyboard_with_a_visible_focus(new_page: Any, api: Api) -> None:
    from playwright.sync_api import expect

    desk = api.assistant("Keyboard desk", model="scripted:echo")
    page = new_page()
    page.goto(f"/chat/{desk['id']}")
    page.get_by_role("heading", name="Keyboard desk", exact=True).wait_for()

    def focused() -> dict[str, str]:
        return dict(
            page.evaluate(
                """() => { const e = document.activeElement, s = getComputedStyle(e);
                           return {text: (e.getAttribute('aria-label') || e.textContent || '').trim(),
                                   tag: e.tagName, outline: s.outlineStyle + ' ' + s.outlineWidth}; }"""
            )
        )

    page.keyboard.press("Tab")
    assert focused()["text"] == "Skip to content"
    assert focused()["outline"].startswith("solid")  # the focus is visible
    page.keyboard.press("Enter")  # to the main content, then into the composer
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused()["tag"] == "TEXTAREA":
            break
    assert focused()["tag"] == "TEXTAREA", focused()
    assert focused()["outline"].startswith("solid")
    page.keyboard.type("Typed, not clicked")
    page.keyboard.press("Enter")
    wait_until_answered(page)
    answer = page.get_by_role("article", name="Answer")
    expect(answer).to_contain_text("You asked: Typed, not clicked")

    # Shift+Tab back to the answer's step summary; Enter opens it.
    steps = answer.get_by_role("button", name=re.compile(r"\d+ steps?"))
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if steps.evaluate("e => e === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(steps).to_have_attribute("aria-expanded", "true")
