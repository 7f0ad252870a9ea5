"""Helpers of the operations tests: an app on settings of their own, values from a scrape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from askwell.app import create_app
from askwell.settings import Settings


@asynccontextmanager
async def serving(
    settings: Settings, *, client: tuple[str, int] = ("127.0.0.1", 123)
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app on `settings`, started, and a client that calls it from the address `client`."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://askwell.test") as http:
            yield app, http


def metric_value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text
