"""The chat's durable record as the database sees it: statements per turn, connection reuse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, select, text

from askwell.chat.models import ChatMessage
from tests.conftest import answer_text, chat, create_assistant, new_session_id

# A follow-up turn with the memory in the cache: one SELECT (assistant, session binding and
# connectors together), then UPDATE ... RETURNING version and INSERT for the question, and
# again for the answer. One statement of slack; the COMMITs are not cursor executions.
MAX_STATEMENTS_PER_TURN = 6


@contextmanager
def counted_statements(app: Any) -> Iterator[list[str]]:
    engine = app.state.runtime.engine.sync_engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_follow_up_turn_costs_a_handful_of_statements(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assistant = await create_assistant(client, admin_headers)
    session_id = new_session_id()
    await chat(client, assistant_id=assistant["id"], session_id=session_id, message="first")
    with counted_statements(app) as statements:
        events = await chat(client, assistant_id=assistant["id"], session_id=session_id, message="second")
    # The memory came from the cache (no SELECT of messages) and the turn was answered.
    assert "I remember 2 earlier messages" in answer_text(events)
    assert len(statements) <= MAX_STATEMENTS_PER_TURN, "\n".join(statements)
    assert not [s for s in statements if "FROM chat_messages" in s], "\n".join(statements)
    async with app.state.runtime.session_factory() as session:
        stored = (
            await session.scalars(
                select(ChatMessage.position).where(ChatMessage.session_id == session_id).order_by("position")
            )
        ).all()
    assert stored == [1, 2, 3, 4]


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(
    app: Any, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The pool skips the reset after a COMMIT (SQLite), never when a transaction is open."""
    assistant = await create_assistant(client, admin_headers, description="kept")
    engine = app.state.runtime.engine

    def write_behind_sqlalchemys_back(sync_conn: Any) -> None:
        cursor = sync_conn.connection.dbapi_connection.cursor()
        cursor.execute(f"UPDATE assistants SET description = 'lost' WHERE name = '{assistant['name']}'")
        cursor.close()

    async with engine.connect() as conn:
        await conn.run_sync(write_behind_sqlalchemys_back)
    async with engine.connect() as conn:
        description = await conn.scalar(
            text("SELECT description FROM assistants WHERE name = :name"), {"name": assistant["name"]}
        )
        assert description == "kept"
    # Nothing was left holding a lock: the chat can still write.
    events = await chat(client, assistant_id=assistant["id"], session_id=new_session_id())
    assert events[-1]["type"] == "done" and not [e for e in events if e["type"] == "error"]
