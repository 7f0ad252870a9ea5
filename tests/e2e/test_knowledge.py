"""Knowledge in a real browser: upload a PDF, watch it become ready, get an answer citing the
right page; a database connector, a data question and its chart."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import WARRANTY_FACT, Api, ask, assert_accessible, handbook_pdf, wait_until_answered
from tests.models import ANALYST

pytestmark = [pytest.mark.e2e, pytest.mark.server]


def _require(api: Api, response: Any, what: str) -> None:
    """Skip while the server does not offer this yet (the knowledge backend lands separately)."""
    if response.status_code == 404 and response.json().get("code") == "not_found":
        pytest.skip(f"{what}: the server has no such endpoint yet")
    if response.status_code == 422 and response.json().get("code") == "unsupported_connector":
        pytest.skip(f"{what}: {response.json()['detail']}")


def test_upload_a_pdf_watch_it_become_ready_and_see_the_cited_page(
    new_page: Any, api: Api, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Handbook", model="scripted:echo")
    _require(api, api.http.get(f"/assistants/{assistant['id']}/connectors"), "knowledge connectors")

    page = new_page(token=api.token)
    page.goto(f"/admin/knowledge?assistant={assistant['id']}")
    expect(page.get_by_text("This assistant has no knowledge yet")).to_be_visible()
    page.get_by_role("button", name="Add documents").click()
    page.get_by_label("Collection name").fill("Manuals")
    page.get_by_role("button", name="Add document collection").click()
    expect(page.get_by_role("heading", name=re.compile("Manuals"))).to_be_visible()

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    page.get_by_label("Files to add to Manuals").set_input_files([str(handbook_pdf(tmp_path)), str(broken)])
    documents = page.get_by_role("list", name="Documents in Manuals")
    handbook = documents.get_by_role("listitem").filter(has_text="handbook.pdf")
    expect(handbook).to_have_attribute("data-status", "ready", timeout=90_000)
    expect(handbook).to_contain_text("3 pages")
    failed = documents.get_by_role("listitem").filter(has_text="broken.pdf")
    expect(failed).to_have_attribute("data-status", "failed", timeout=60_000)
    expect(failed).to_contain_text("PDF")  # the reason is shown
    page.screenshot(path=str(screenshots / "upload.png"), full_page=True)
    assert_accessible(page, "the knowledge page with documents")

    page.goto(f"/chat/{assistant['id']}")
    answer = ask(page, "How long is the warranty period of the Zephyr kettle?")
    wait_until_answered(page)
    answer.get_by_role("link", name="Source 1").first.click()
    panel = page.get_by_role("complementary", name=re.compile("Sources"))
    source = panel.get_by_role("listitem", name="Source 1: handbook.pdf")
    expect(source).to_be_focused()
    expect(source).to_contain_text("page 2")
    expect(source).to_contain_text(WARRANTY_FACT[:40])
    expect(source.locator("mark").first).to_be_visible()  # the cited words are highlighted
    page.screenshot(path=str(screenshots / "sources.png"))
    assert_accessible(page, "the chat with the sources panel open")

    page.reload()  # the history keeps the sources
    page.get_by_role("button", name=re.compile(r"\d+ sources?")).last.click()
    expect(page.get_by_role("complementary", name=re.compile("Sources"))).to_contain_text("page 2")


def _demo_database(folder: Path) -> Path:
    path = folder / "demo.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sales (region TEXT, year INTEGER, amount REAL)")
        db.executemany(
            "INSERT INTO sales VALUES (?, ?, ?)",
            [
                ("North", 2023, 120.0),
                ("South", 2023, 80.5),
                ("East", 2023, 95.0),
                ("West", 2023, 60.25),
                ("North", 2024, 140.0),
                ("South", 2024, 99.0),
            ],
        )
    return path


QUESTION = "What are the total sales by region?"
REGION_SQL = "SELECT region, SUM(amount) AS total FROM sales GROUP BY region ORDER BY total DESC"


def test_database_connector_data_question_and_chart(
    new_page: Any, api: Api, screenshots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Sales analyst", model=ANALYST)
    database = _demo_database(tmp_path)
    probe = api.http.post(
        f"/assistants/{assistant['id']}/connectors",
        json={
            "type": "sql",
            "name": "probe",
            "config": {"url": f"sqlite:///{database}", "tables": ["sales"]},
        },
    )
    _require(api, probe, "SQL connectors")
    assert probe.status_code == 201, probe.text
    api.http.delete(f"/connectors/{probe.json()['id']}")

    page = new_page(token=api.token)
    page.goto(f"/admin/knowledge?assistant={assistant['id']}")
    page.get_by_role("button", name="Add a database").click()
    page.get_by_label("Name", exact=True).fill("Shop database")
    page.get_by_label("Database URL").fill(f"sqlite:///{database}")
    page.get_by_label("Description").fill("Sales per region and year.")
    # The tests' analyst model writes the SQL of the example whose question is asked.
    page.get_by_role("button", name="Add an example").click()
    page.get_by_label("Question 1").fill(QUESTION)
    page.get_by_label("SQL 1").fill(REGION_SQL)
    page.get_by_role("button", name="Add database").click()
    card = page.get_by_role("region", name=re.compile("Shop database"))
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_role("status")).to_contain_text("1 table found")
    card.get_by_label("sales").check()
    card.get_by_role("button", name="Save", exact=True).click()
    expect(card.get_by_text("Saved.")).to_be_visible()

    page.goto(f"/chat/{assistant['id']}")
    answer = ask(page, QUESTION)
    wait_until_answered(page, timeout_ms=60_000)
    expect(answer.get_by_role("button", name="SQL query")).to_be_visible()
    figure = answer.locator("figure.chart-figure")
    expect(figure.locator("svg").first).to_be_visible()
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(screenshots / "chart.png"))
    page.screenshot(path=str(screenshots / "data-answer.png"))
    answer.get_by_role("button", name="Table").click()
    expect(answer.get_by_role("table")).to_contain_text("North")
    answer.get_by_role("button", name="SQL query").click()
    expect(answer.locator("pre.code")).to_contain_text("GROUP BY region")
    assert_accessible(page, "the chat with a data answer")

    page.reload()  # the history keeps the SQL, the table and the chart
    restored = page.get_by_role("article", name="Answer").last
    expect(restored.locator("figure.chart-figure svg").first).to_be_visible()
    expect(restored.get_by_role("button", name="SQL query")).to_be_visible()
