"""Data answers drawn in the browser: every visualization type of the contract, the SQL with
its copy button, the chart/table switch, sorting, pages and the CSV download.

The stream is replayed from a fixed list of events (Playwright answers the request), so this
checks the app's rendering of the contract's formats whatever the server's SQL support.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Api, ask, assert_accessible, wait_until_answered
from tests.models import ANALYST

pytestmark = [pytest.mark.e2e, pytest.mark.server]

REGIONS = ["North", "South", "East", "West"]
CARTESIAN = {
    "title": "Sales by region",
    "series": [
        {"name": "2023", "data": [120, 80.5, 95, 60.25]},
        {"name": "2024", "data": [140, 99, 101, 72]},
    ],
    "categories": REGIONS,
}
PIE = {"title": "Share of sales", "series": [42, 25, 20, 13], "labels": REGIONS}
VISUALIZATIONS: dict[str, dict[str, Any]] = {
    "bar": CARTESIAN,
    "line": CARTESIAN,
    "area": CARTESIAN,
    "pie": PIE,
    "donut": PIE,
    "polarArea": PIE,
    "radialBar": {"title": "Targets reached (%)", "series": [76, 54], "labels": ["North", "South"]},
    "treemap": {
        "title": "Sales by product",
        "series": [{"name": "Sales", "data": [{"x": "Kettles", "y": 218}, {"x": "Toasters", "y": 149}]}],
    },
    "kpi": {"title": "Total sales", "series": [355.75], "labels": ["Total sales"]},
}
ROWS = [[f"Region {i:02d}", 2023 + i % 2, round(10 + i * 7.5, 2)] for i in range(23)]


SQL = "SELECT region, year, SUM(amount) AS sales\nFROM sales\nGROUP BY region, year"
DASH = "\u2013"  # the app writes row ranges with an en dash


def _step(
    step_id: str, label: str, status: str, parent: str | None = None, **metadata: Any
) -> dict[str, Any]:
    sequence = 2 if parent else 1
    if parent:
        metadata["is_substep"] = True
    return {
        "type": "step",
        "step_id": step_id,
        "parent_id": parent,
        "sequence": sequence,
        "label": label,
        "status": status,
        "metadata": metadata,
    }


def _events(viz_type: str) -> list[dict[str, Any]]:
    message_id = "6f1f6a2e-8f4c-4ad4-9e0f-0c6f0b5e0a01"
    return [
        {"type": "start", "session_id": "s-data", "message_id": message_id, "assistant_id": "a"},
        _step("sql", "Querying the database", "running"),
        _step("write", "Writing SQL", "running", parent="sql"),
        _step("write", "Writing SQL", "done", parent="sql", duration_ms=310),
        {"type": "sql", "sql": SQL},
        {
            "type": "table",
            "columns": ["region", "year", "sales"],
            "rows": ROWS,
            "row_count": 40,
            "truncated": True,
        },
        _step("sql", "Querying the database", "done", duration_ms=420),
        {"type": "visualization", "visualization": {"viz_type": viz_type, **VISUALIZATIONS[viz_type]}},
        {"type": "token", "content": f"Here is the **{viz_type}** chart of the sales."},
        {
            "type": "done",
            "message_id": message_id,
            "usage": {"prompt_tokens": 10, "completion_tokens": 8},
            "timings": {"retrieval_ms": None, "first_token_ms": 5, "total_ms": 450},
        },
    ]


def test_every_visualization_type_is_drawn(new_page: Any, api: Api, screenshots: Path) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Data desk", model=ANALYST)
    page = new_page()
    requested: list[str] = []

    def answer(route: Any) -> None:
        viz_type = json.loads(route.request.post_data)["message"].split()[-1]
        requested.append(viz_type)
        body = "".join(json.dumps(e) + "\n" for e in _events(viz_type))
        route.fulfill(status=200, headers={"content-type": "application/x-ndjson"}, body=body)

    page.route("**/api/v1/chat/stream", answer)
    page.goto(f"/chat/{assistant['id']}")
    for viz_type, viz in VISUALIZATIONS.items():
        reply = ask(page, f"Chart {viz_type}")
        wait_until_answered(page)
        expect(reply).to_contain_text(f"Here is the {viz_type} chart")
        figure = reply.locator("figure.chart-figure")
        expect(figure).to_contain_text(viz["title"])
        if viz_type == "kpi":
            expect(figure.get_by_role("group", name="Total sales")).to_contain_text("355.75")
        else:
            chart = figure.get_by_role("img", name=f"{viz['title']} ({viz_type} chart)")
            expect(chart.locator("svg.apexcharts-svg")).to_be_visible()
            expect(
                chart.locator(".apexcharts-series, .apexcharts-radialbar, .apexcharts-treemap").first
            ).to_be_attached()
        if viz_type == "bar":
            expect(figure.locator(".apexcharts-bar-area")).to_have_count(8)  # 2 series x 4 regions
            figure.screenshot(path=str(screenshots / "chart-bar.png"))
    assert requested == list(VISUALIZATIONS)
    assert_accessible(page, "answers with every chart type")


def test_sql_table_sorting_pages_csv_and_copy(new_page: Any, api: Api, screenshots: Path) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Table desk", model=ANALYST)
    page = new_page(dark=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    body = "".join(json.dumps(e) + "\n" for e in _events("bar"))
    page.route(
        "**/api/v1/chat/stream",
        lambda route: route.fulfill(status=200, headers={"content-type": "application/x-ndjson"}, body=body),
    )
    page.goto(f"/chat/{assistant['id']}")
    reply = ask(page, "Sales per region")
    wait_until_answered(page)

    # The steps: done, folded; the sub-step is inside.
    reply.get_by_role("button", name="2 steps · 420 ms").click()
    reply.get_by_role("button", name="Show 1 sub-steps of Querying the database").click()
    expect(reply.get_by_role("list", name="Steps")).to_contain_text("Writing SQL310 ms")

    # The SQL: collapsed, then shown; the copy button puts it on the clipboard.
    sql_toggle = reply.get_by_role("button", name="SQL query")
    expect(sql_toggle).to_have_attribute("aria-expanded", "false")
    sql_toggle.click()
    expect(reply.locator("pre.code")).to_contain_text("GROUP BY region, year")
    reply.get_by_role("button", name="Copy SQL").click()
    expect(reply.get_by_role("button", name="Copied")).to_be_visible()
    assert "GROUP BY region, year" in page.evaluate("navigator.clipboard.readText()")

    # Chart -> table: sortable, paginated, cut rows said, CSV of all rows.
    figure = reply.locator("figure.chart-figure")
    expect(figure.locator("svg.apexcharts-svg")).to_be_visible()
    figure.screenshot(path=str(screenshots / "chart-dark.png"))
    reply.get_by_role("button", name="Table", exact=True).click()
    table = reply.get_by_role("table", name="Sales by region")
    expect(table.get_by_role("row")).to_have_count(11)
    expect(reply).to_contain_text(f"Rows 1{DASH}10 of 23 (the query returned 40; the rest were cut)")
    sales = table.get_by_role("button", name="sales")
    sales.click()
    sales.click()
    expect(table.get_by_role("columnheader", name="sales")).to_have_attribute("aria-sort", "descending")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Region 22")
    reply.get_by_role("button", name="Next page").click()
    expect(reply).to_contain_text(f"Rows 11{DASH}20 of 23")
    with page.expect_download() as download_info:
        reply.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "sales-by-region.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "region,year,sales"
    assert len(lines) == 24 and lines[1].startswith("Region 22,")
    page.screenshot(path=str(screenshots / "table-dark.png"))
    assert_accessible(page, "a data answer shown as a table (dark)")
