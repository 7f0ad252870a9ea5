"""Built-in evaluation in a real browser: an admin uploads a question set for a documents
assistant (a refused file first, its problem shown by line), starts a run, watches it finish
with its metrics in the table, opens its questions to see the retrieved document, and a
second run draws the metrics over time."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Api, assert_accessible, warranty_assistant

pytestmark = [pytest.mark.e2e, pytest.mark.server]

QUESTION = "How long is the warranty period of the Zephyr kettle?"


def test_an_admin_uploads_a_set_runs_it_and_reads_its_questions(
    new_page: Any, api: Api, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    assistant = warranty_assistant(api, "Evaluation desk")
    page = new_page(token=api.token)
    page.goto(f"/admin/evaluation?assistant={assistant['id']}")
    expect(page.get_by_role("heading", name="Evaluation", exact=True)).to_be_visible()
    expect(page.get_by_text("No question set yet")).to_be_visible()
    file_input = page.get_by_label("Question set (JSONL or CSV)")

    # A file with a bad line is refused whole; the problem is shown with its line.
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"question": QUESTION}) + "\n" + json.dumps({"expected_answer": "x"}) + "\n")
    file_input.set_input_files(str(broken))
    page.get_by_role("button", name="Upload set").click()
    problems = page.get_by_role("list", name="Problems in the file")
    expect(problems).to_contain_text("Line 2")
    expect(problems).to_contain_text("question")

    questions = tmp_path / "warranty-set.jsonl"
    line = {"question": QUESTION, "expected_answer": "36 months", "expected_documents": ["warranty.txt"]}
    questions.write_text(json.dumps(line) + "\n")
    file_input.set_input_files(str(questions))
    page.get_by_role("button", name="Upload set").click()
    expect(page.get_by_text("Uploaded warranty-set.jsonl: 1 question.")).to_be_visible()
    expect(problems).to_have_count(0)
    sets = page.get_by_role("region", name="Question sets")
    expect(sets.get_by_role("row").filter(has_text="warranty-set.jsonl")).to_have_count(1)

    page.get_by_role("button", name="Start run on warranty-set.jsonl").click()
    runs = page.get_by_role("region", name="Evaluation runs")
    row = runs.get_by_role("row").filter(has_text="warranty-set.jsonl")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "done", timeout=120_000)  # polled until it finishes
    # The one document is the expected one: every mode ranks it first.
    for mode in ("Keyword", "Vector", "Hybrid"):
        expect(row.locator(f'td[data-label="{mode} nDCG@10"]')).to_have_text("1.000")
        expect(row.locator(f'td[data-label="{mode} Recall@10"]')).to_have_text("1.000")
    expect(row.locator('td[data-label="Token-F1"]')).to_have_text(re.compile(r"^\d\.\d{3}$"))
    expect(row.locator('td[data-label="p50 latency"]')).to_have_text(re.compile(r"^\d+ ms$"))
    no_sql = row.locator('td[data-label="SQL accuracy"]')
    expect(no_sql).to_have_text("\u2013")  # a dash: the set has no SQL question
    assert_accessible(page, "the evaluation admin page with a finished run")
    runs.screenshot(path=str(screenshots / "evaluation-runs.png"))

    row.get_by_role("button", name=re.compile("^Questions of the run")).click()
    question = page.get_by_role("list", name="Questions").get_by_role("listitem", name="Question 1")
    expect(question).to_contain_text(QUESTION)
    expect(question).to_contain_text("36 months")
    hybrid = question.get_by_role("list", name="Retrieved by hybrid").get_by_role("listitem").first
    expect(hybrid).to_contain_text("warranty.txt")
    expect(hybrid).to_have_attribute("data-relevant", "true")
    expect(question).to_contain_text(f"You asked: {QUESTION}")  # the scripted model's answer
    page.screenshot(path=str(screenshots / "evaluation-admin.png"), full_page=True)
    assert_accessible(page, "a run's questions")

    # A second run makes a trend: the chart of the main metrics over time appears.
    page.get_by_role("button", name="Start run on warranty-set.jsonl").click()
    expect(runs.locator('tr[data-status="done"]')).to_have_count(2, timeout=120_000)
    expect(page.get_by_role("img", name="Metrics over time (line chart)")).to_be_visible()
    expect(page.locator(".apexcharts-svg")).to_have_count(1)
    page.screenshot(path=str(screenshots / "evaluation-chart.png"), full_page=True)
