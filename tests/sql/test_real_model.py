"""A Chinook question answered by the real local model through the stream (marker: model)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from askwell.llm.catalogue import DEFAULT_LOCAL_MODEL
from tests.conftest import answer_text, chat, default_model_file, new_session_id
from tests.sql.conftest import sql_assistant

pytestmark = pytest.mark.model


async def test_chinook_question_gets_sql_table_chart_and_answer(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    chinook: Path,
    backend: str,
) -> None:
    if backend != "sqlite":
        pytest.skip("the model path does not depend on the database")
    default_model_file()
    assistant, _ = await sql_assistant(
        client, admin_headers, f"sqlite:///{chinook}", model=f"local:{DEFAULT_LOCAL_MODEL}"
    )
    events = await chat(
        client,
        assistant_id=assistant["id"],
        session_id=new_session_id(),
        message="Which employee has the most customers?",
    )
    types = [e["type"] for e in events]
    assert "error" not in types, [e for e in events if e["type"] == "error"]
    table = next(e for e in events if e["type"] == "table")
    assert "Jane" in str(table["rows"][0]) and 21 in table["rows"][0]  # Jane Peacock looks after 21 customers
    assert "visualization" in types
    assert "Jane" in answer_text(events)
