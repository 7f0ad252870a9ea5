"""End-to-end fixtures: a real `askwell serve` (scripted model, temporary data folder) serving
the built web app, driven by Playwright through Debian's Chromium (never a downloaded browser).

Locally the browser tests skip when Chromium, Playwright or web/dist is missing; in CI
(CI=true) they fail instead, since skipping there would hide a gap.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.e2e.helpers import (
    ADMIN_EMAIL,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SCREENSHOTS,
    WEB_DIST,
    Api,
    unavailable,
)
from tests.server import running_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the web app in Chromium against a real server")


@pytest.fixture(scope="session")
def chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium is not installed at {CHROMIUM}: run scripts/e2e-browser.sh")
    if importlib.util.find_spec("playwright") is None:
        unavailable("Playwright for Python is not installed: run scripts/e2e-browser.sh")
    return CHROMIUM


@pytest.fixture(scope="session")
def web_dist() -> Path:
    if not (WEB_DIST / "index.html").is_file():
        unavailable("The web app is not built (web/dist is missing): run `make web`")
    return WEB_DIST


@pytest.fixture(scope="session")
def server(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the session: the scripted model answers deterministically."""
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    env = {
        "ASKWELL_DEFAULT_MODEL": "scripted:echo",
        "ASKWELL_ALLOW_REGISTRATION": "true",
        # Data questions are answered by the tests' own model (tests/models.py).
        "ASKWELL_FUNCTION_MODELS": "true",
        # The tests' SQLite databases live in their own temporary folders.
        "ASKWELL_SQL_SQLITE_ALLOWED_DIRS": json.dumps([str(tmp_path_factory.getbasetemp())]),
        # This checkout's code first: a worktree sharing another checkout's venv would
        # otherwise serve that checkout's askwell.
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }
    with running_server(data_dir, **env) as base_url:
        response = httpx.post(
            f"{base_url}/api/v1/auth/register",
            json={"email": ADMIN_EMAIL, "password": PASSWORD, "name": "Ada Admin"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["role"] == "admin"
        yield base_url


@pytest.fixture(scope="session")
def api(server: str) -> Iterator[Api]:
    client = Api(server)
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Per module, not per session: Playwright's sync API holds an asyncio loop in this
    thread while it runs, which would break every async test collected after it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Any]:
    """Opens pages in fresh browser contexts (no shared storage); closes them afterwards."""
    contexts: list[Any] = []
    page_errors: list[str] = []

    def open_page(
        *, width: int = 1280, height: int = 820, dark: bool = False, token: dict[str, Any] | None = None
    ) -> Any:
        context = browser.new_context(
            base_url=server,
            viewport={"width": width, "height": height},
            color_scheme="dark" if dark else "light",
            reduced_motion="reduce",  # no transitions: screenshots show the settled page
            locale="en-US",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        if token is not None:
            # Logged in from the first request, as the app would be after a login.
            stored = json.dumps({"token": token["access_token"], "expires": 4102444800000})
            context.add_init_script(f"localStorage.setItem('askwell.token', {json.dumps(stored)})")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    # An uncaught exception in the app is a bug even when the test's checks passed.
    assert not page_errors, f"uncaught errors in the page: {page_errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Screenshots of this run (not committed): web/e2e/screenshots/."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
