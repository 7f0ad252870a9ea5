"""A SQL connector's credential never leaves the server, wherever the URL holds it.

A distinctive secret is planted in each credential position of a PostgreSQL connection URL
(the user info, and the query parameters asyncpg or other drivers read as credentials). The
URL points at the real test PostgreSQL, so the server is reached and the credentials are
refused by it (or the driver refuses the parameter). Then every surface is searched for the
secret: the connector's responses (create, read, list, test, refresh), the jobs list, the chat
stream of a public assistant as admin and as an anonymous caller, the history, and every log
record of the run, formatted by both of Askwell's log formatters.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from askwell.ops.logs import JsonFormatter, TextFormatter
from tests.conftest import PG_URL, create_assistant, new_session_id, require_service
from tests.models import ANALYST

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

POSITIONS = ("userinfo", "password", "sslpassword", "secret", "token", "api_key")


def _planted_url(position: str, secret: str) -> str:
    server = make_url(require_service(PG_URL, "PostgreSQL"))
    where = f"{server.host}:{server.port}/askwell_nowhere"
    if position == "userinfo":
        return f"postgresql://askwell_intruder:{secret}@{where}"
    return f"postgresql://askwell_intruder@{where}?{position}={secret}"


def _log_text(records: list[logging.LogRecord]) -> str:
    text, json = TextFormatter(), JsonFormatter()
    lines = []
    for record in records:
        lines += [record.getMessage(), text.format(record), json.format(record), repr(record.args)]
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(repr(record.exc_info[1]))
    return "\n".join(lines)


@pytest.mark.parametrize("position", POSITIONS)
async def test_a_planted_secret_appears_in_no_response_event_or_log(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    position: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = f"Planted{position.title().replace('_', '')}{uuid.uuid4().hex[:12]}"
    seen: list[tuple[str, str]] = []

    def keep(what: str, response: httpx.Response) -> httpx.Response:
        seen.append((what, f"{response.status_code} {dict(response.headers)} {response.text}"))
        return response

    assistant = await create_assistant(client, admin_headers, model=ANALYST)
    body: dict[str, Any] = {
        "type": "sql",
        "name": "Sales",
        "config": {
            "url": _planted_url(position, secret),
            "examples": [{"question": "How many orders?", "sql": "SELECT COUNT(*) FROM orders"}],
        },
    }
    created = keep(
        "create",
        await client.post(
            f"/api/v1/assistants/{assistant['id']}/connectors", json=body, headers=admin_headers
        ),
    )
    assert created.status_code in (201, 422), created.text
    if created.status_code == 201:
        connector = created.json()["id"]
        keep("read", await client.get(f"/api/v1/connectors/{connector}", headers=admin_headers))
        keep(
            "list",
            await client.get(f"/api/v1/assistants/{assistant['id']}/connectors", headers=admin_headers),
        )
        tested = keep(
            "test", await client.post(f"/api/v1/connectors/{connector}/test", headers=admin_headers)
        )
        assert tested.status_code in (200, 422), tested.text  # refused by the server or the driver
        if tested.status_code == 200:
            assert tested.json()["ok"] is False  # the planted credentials never connect
        keep("refresh", await client.post(f"/api/v1/connectors/{connector}/refresh", headers=admin_headers))
        await asyncio.sleep(0.5)  # the snapshot job runs in-process and fails
        keep("jobs", await client.get("/api/v1/jobs?limit=100", headers=admin_headers))
        for who, headers in (("admin", admin_headers), ("anonymous", {})):
            session_id = new_session_id()
            message = {
                "message": "How many orders?",
                "assistant_id": assistant["id"],
                "session_id": session_id,
            }
            answered = keep(
                f"chat as {who}", await client.post("/api/v1/chat/stream", json=message, headers=headers)
            )
            # The database cannot be reached: an error before the stream, or an error event in it.
            assert answered.status_code in (422, 503) or '"type":"error"' in answered.text.replace(" ", "")
            keep(f"history as {who}", await client.get(f"/api/v1/chat/{session_id}/history", headers=headers))

    leaks = [what for what, text in seen if secret in text]
    assert not leaks, f"the secret planted in {position} leaked through: {leaks}"
    assert len(seen) >= (1 if created.status_code == 422 else 10)
    logged = _log_text(caplog.records)
    assert secret not in logged, f"the secret planted in {position} was logged"
