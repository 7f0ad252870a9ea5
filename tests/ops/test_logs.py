"""The request id: taken from the client or made, sent back, and on every log line of the request."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import httpx
import pytest

from askwell.ops.logs import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    current_request_id,
    logging_config,
    request_context,
)
from askwell.settings import Settings
from tests.conftest import chat, create_assistant, new_session_id


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-42.a:b_c", True),
        ("x" * 128, True),
        ("x" * 129, False),  # too long
        ("two words", False),
        ("line\\nbreak", False),
        ("", False),
    ],
)
async def test_a_sane_request_id_is_kept_and_anything_else_replaced(
    client: httpx.AsyncClient, sent: str, kept: bool
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": sent})
    returned = response.headers["x-request-id"]
    if kept:
        assert returned == sent
    else:
        assert returned != sent and len(returned) == 32 and int(returned, 16) >= 0


async def test_every_response_gets_a_fresh_id(client: httpx.AsyncClient) -> None:
    first = (await client.get("/healthz")).headers["x-request-id"]
    second = (await client.get("/api/v1/health")).headers["x-request-id"]
    missing = await client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and len({first, second, missing.headers["x-request-id"]}) == 3


async def test_the_chat_turn_logs_under_the_request_id(
    client: httpx.AsyncClient, admin_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    assistant = await create_assistant(client, admin_headers, model="scripted:echo")
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO, logger="askwell.chat.flows")
    session_id = new_session_id()
    await chat(
        client,
        assistant_id=assistant["id"],
        session_id=session_id,
        headers={**admin_headers, "X-Request-ID": "chat-req-1"},
    )
    turns = [r for r in caplog.records if r.getMessage().startswith("Chat turn ended ok")]
    assert len(turns) == 1
    record = turns[0]
    assert record.__dict__["request_id"] == "chat-req-1" and record.__dict__["session_id"] == session_id
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "chat-req-1" and line["model"] == "scripted:echo"
    assert line["level"] == "INFO" and line["logger"] == "askwell.chat.flows"
    assert isinstance(line["completion_tokens"], int) and line["completion_tokens"] > 0


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("askwell.test", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    RequestIdFilter().filter(record)
    return record


def test_text_lines_carry_the_id_only_inside_a_request() -> None:
    with request_context("abc123"):
        inside = TextFormatter().format(_record("stored %d chunks", 3))
    outside = TextFormatter().format(_record("idle"))
    assert inside.endswith("WARNING askwell.test [req=abc123]: stored 3 chunks")
    assert outside.endswith("WARNING askwell.test: idle")


def test_json_lines_carry_extras_exceptions_and_uvicorn_access_fields() -> None:
    with request_context("r-1"):
        line = json.loads(JsonFormatter().format(_record("ingested %s", "a.pdf", document_id="d-1")))
    assert line["message"] == "ingested a.pdf" and line["request_id"] == "r-1"
    assert line["document_id"] == "d-1" and line["time"].endswith("+00:00")
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record("failed")
        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/healthz", "1.1", 200),
        None,
    )
    access.color_message = "\x1b[1m...\x1b[0m"
    fields = json.loads(JsonFormatter().format(access))
    assert fields["method"] == "GET" and fields["path"] == "/healthz" and fields["status"] == 200
    assert "color_message" not in fields


async def test_request_context_follows_tasks_and_is_restored() -> None:
    assert current_request_id() is None
    with request_context("job-run"):
        seen = await asyncio.create_task(asyncio.sleep(0, result=current_request_id()))
        with request_context(None):
            assert current_request_id() is None
        assert current_request_id() == "job-run"
    assert seen == "job-run" and current_request_id() is None


def test_uvicorn_loggers_go_through_the_one_handler() -> None:
    settings = Settings(log_format="json", log_level="warning", _env_file=None)  # type: ignore[call-arg]
    config = logging_config(settings)
    assert config["root"] == {"level": "WARNING", "handlers": ["default"]}
    assert config["formatters"]["default"]["()"].endswith("JsonFormatter")
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name] == {"handlers": [], "propagate": True}
