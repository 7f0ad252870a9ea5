"""Fixtures of the SQL tests: the Chinook demo database, built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from askwell.sql.demo import build_chinook, download_fixture, find_fixture


@pytest.fixture(scope="session")
def chinook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chinook")
    fixture = find_fixture() or download_fixture(folder / "cache")
    return build_chinook(folder / "chinook.sqlite", fixture=fixture)
