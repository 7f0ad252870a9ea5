"""Feedback in a real browser: a reader rates an answer down with a comment and sees it again
after a reload; the conversation exports; the admin finds the rating in the Feedback tab and
exports it as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Api, ask, assert_accessible, wait_until_answered

pytestmark = [pytest.mark.e2e, pytest.mark.server]

QUESTION = "How long do refunds take?"
COMMENT = "It forgot that weekends do not count."


def _download(page: Any, click: Any) -> tuple[str, str]:
    """What a click saves: the file's suggested name and its text."""
    with page.expect_download() as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_a_rating_with_a_comment_is_kept_shown_to_the_admin_and_exported(
    new_page: Any, api: Api, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Refund desk", model="scripted:echo")
    page = new_page(token=api.token)
    page.goto(f"/chat/{assistant['id']}")
    answer = ask(page, QUESTION)
    wait_until_answered(page)
    expect(answer).to_contain_text(f"You asked: {QUESTION}")

    down = answer.get_by_role("button", name="Bad answer")
    expect(down).to_have_attribute("aria-pressed", "false")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    answer.get_by_label("What was wrong or missing? (optional)").fill(COMMENT)
    assert_accessible(page, "the chat page with the comment box open")
    answer.get_by_role("button", name="Send comment").click()
    expect(answer.get_by_text(f"“{COMMENT}”")).to_be_visible()
    page.screenshot(path=str(screenshots / "feedback-chat.png"))

    # The history brings the rating back.
    page.reload()
    answer = page.get_by_role("article", name="Answer").last
    expect(answer.get_by_role("button", name="Bad answer")).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute("aria-pressed", "false")
    expect(answer.get_by_text(f"“{COMMENT}”")).to_be_visible()

    # The conversation downloads with the reader's token (a bare link would be refused).
    def export_markdown() -> None:
        page.get_by_role("button", name="Export").click()
        page.get_by_role("button", name="Markdown").click()

    name, text = _download(page, export_markdown)
    assert name.endswith(".md")
    assert QUESTION in text
    assert COMMENT in text

    # The admin's Feedback tab lists the rated answer.
    page.goto(f"/admin/feedback?assistant={assistant['id']}")
    expect(page.get_by_role("heading", name="Feedback")).to_be_visible()
    row = page.get_by_role("table").get_by_role("row").filter(has_text=QUESTION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(COMMENT)
    expect(row).to_contain_text("Bad")
    expect(row).to_contain_text(f"You asked: {QUESTION}")
    assert_accessible(page, "the feedback admin page")
    page.screenshot(path=str(screenshots / "feedback-admin.png"))

    # A filter the rating does not pass empties the table; back to all shows it again.
    page.get_by_label("Rating", exact=True).select_option("up")
    expect(page.get_by_text("No feedback matches these filters.")).to_be_visible()
    page.get_by_label("Rating", exact=True).select_option("down")
    page.get_by_label("Comment", exact=True).select_option("with")
    expect(row).to_have_count(1)

    name, text = _download(page, page.get_by_role("button", name="Export JSONL").click)
    assert name == f"feedback-{assistant['id']}.jsonl"
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert [(r["rating"], r["comment"]) for r in records] == [("down", COMMENT)]
    assert records[0]["question"] == QUESTION
