"""The admin's Jobs tab in a real browser: a failed ingestion job shows with its reason, Retry
queues it again; the page is accessible in both themes and fits a phone."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import Api, assert_accessible, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.server]


def _failed_job(api: Api, key: str, timeout_s: float = 60) -> dict[str, Any]:
    """The job working on `key`, once it has failed."""
    deadline = time.monotonic() + timeout_s
    while True:
        response = api.http.get("/jobs", params={"task": "ingest_document", "limit": 200})
        assert response.status_code == 200, response.text
        job = next((j for j in response.json() if j["key"] == key), None)
        if job is not None and job["state"] == "failed":
            return dict(job)
        assert time.monotonic() < deadline, f"the ingestion job of {key} did not fail: {job}"
        time.sleep(0.3)


def test_a_failed_job_shows_its_reason_and_is_retried(new_page: Any, api: Api, screenshots: Path) -> None:
    from playwright.sync_api import expect

    assistant = api.assistant("Job watcher", model="scripted:echo")
    connector = api.http.post(
        f"/assistants/{assistant['id']}/connectors", json={"type": "documents", "name": "Inbox"}
    )
    assert connector.status_code == 201, connector.text
    upload = api.http.post(
        f"/connectors/{connector.json()['id']}/documents", files={"files": ("empty.txt", b"", "text/plain")}
    )
    assert upload.status_code == 202, upload.text
    document_id = upload.json()[0]["id"]
    job = _failed_job(api, document_id)
    assert job["last_error"]  # the parser says why (e.g. "empty file")

    page = new_page(token=api.token)
    page.goto("/admin/jobs")
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Jobs", exact=True)).to_have_attribute("aria-current", "page")
    summary = page.locator(".job-summary")
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(summary).to_contain_text("Failed in the last hour")
    expect(summary).to_contain_text("In process")

    page.get_by_label("Show").select_option("failed")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?state=failed")
    row = page.get_by_role("row").filter(has_text=document_id)
    expect(row).to_have_attribute("data-state", "failed")
    expect(row).to_contain_text("Ingest document")
    expect(row.get_by_role("cell").filter(has_text=job["last_error"])).to_be_visible()  # the reason
    expect(row).to_contain_text(f"{job['attempts']}/{job['max_attempts']}")
    expect(row.locator("time").first).to_have_attribute("title", re.compile(r".+"))
    page.screenshot(path=str(screenshots / "jobs.png"), full_page=True)
    assert_accessible(page, "the jobs admin page with a failed job")

    row.get_by_role("button", name=f"Retry Ingest document {document_id}").click()
    expect(page.locator(".notice")).to_have_text("Ingest document queued again.")
    expect(page.get_by_role("alert")).to_have_count(0)
    # It runs again, from its first attempt (and fails again: the file is still empty).
    again = _failed_job(api, document_id)
    assert again["id"] == job["id"]

    dark = new_page(token=api.token, dark=True)
    dark.goto("/admin/jobs?state=failed")
    expect(dark.get_by_role("row").filter(has_text=document_id)).to_be_visible()
    dark.screenshot(path=str(screenshots / "jobs-dark.png"), full_page=True)
    assert_accessible(dark, "the jobs admin page (dark)")

    phone = new_page(token=api.token, width=390, height=844)
    phone.goto("/admin/jobs")
    phone_row = phone.get_by_role("row").filter(has_text=document_id)
    expect(phone_row).to_be_visible()
    expect(phone_row.get_by_role("button", name=f"Retry Ingest document {document_id}")).to_be_visible()
    assert no_horizontal_scroll(phone), "the jobs page scrolls sideways at 390 px"
    phone.screenshot(path=str(screenshots / "jobs-phone-390.png"), full_page=True)
    assert_accessible(phone, "the jobs admin page at 390 px")
