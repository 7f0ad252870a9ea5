"""Exports: an assistant's feedback as JSONL or CSV (streamed), one conversation as Markdown or JSON."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from askwell.chat.feedback import service
from askwell.chat.feedback.schemas import FeedbackExportFormat, FeedbackItem
from askwell.chat.models import ChatSession

CSV_COLUMNS = (
    "updated_at",
    "created_at",
    "rating",
    "comment",
    "question",
    "answer",
    "session_id",
    "message_id",
    "assistant_id",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows read per query while streaming: memory stays flat however much feedback there is.
_BATCH = 500


async def stream_feedback(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    assistant_id: uuid.UUID,
    filters: service.FeedbackFilter,
    fmt: FeedbackExportFormat,
) -> AsyncIterator[str]:
    """The filtered feedback, newest first, as text chunks of whole lines.

    A session of its own: the request's session is gone by the time the body streams.
    """
    if fmt is FeedbackExportFormat.CSV:
        yield _csv_line(CSV_COLUMNS)
    offset = 0
    while True:
        async with session_factory() as session:
            items = await service.page(
                session=session, assistant_id=assistant_id, filters=filters, limit=_BATCH, offset=offset
            )
        if not items:
            return
        yield "".join(_encode(item, fmt) for item in items)
        if len(items) < _BATCH:
            return
        offset += _BATCH


def _encode(item: FeedbackItem, fmt: FeedbackExportFormat) -> str:
    row = item.model_dump(mode="json")
    if fmt is FeedbackExportFormat.JSONL:
        return json.dumps(row, ensure_ascii=False) + "\n"
    return _csv_line(_cell(str(row[column])) for column in CSV_COLUMNS)


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts like a formula; comments and answers are typed
    # by users, so such a cell gets a leading quote and opens as text (JSONL keeps it as is).
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_line(values: Any) -> str:
    # The csv module quotes commas, quotes and newlines inside a comment or an answer.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(list(values))
    return buffer.getvalue()


def conversation_json(chat: ChatSession, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "session_id": chat.id,
        "assistant_id": str(chat.assistant_id),
        "title": chat.title,
        "created_at": chat.created_at.isoformat(),
        "messages": messages,
    }


def conversation_markdown(chat: ChatSession, messages: list[dict[str, Any]]) -> str:
    """A readable transcript: each turn, then an answer's SQL and sources under it."""
    lines = [f"# {chat.title or 'Conversation'}", "", f"Session `{chat.id}`", ""]
    for message in messages:
        who = "You" if message["sender"] == "user" else "Assistant"
        lines += [f"## {who} ({message['created_at']})", "", message["text"], ""]
        if message.get("sql"):
            lines += ["SQL:", "", "```sql", str(message["sql"]).strip(), "```", ""]
        if message.get("table"):
            lines += [*_markdown_table(message["table"]), ""]
        sources = message.get("sources") or []
        if sources:
            lines.append("Sources:")
            lines += [f"- [{i}] {source.get('name', '')}" for i, source in enumerate(sources, start=1)]
            lines.append("")
        feedback = message.get("feedback")
        if feedback:
            comment = f": {feedback['comment']}" if feedback["comment"] else ""
            lines += [f"Feedback: {feedback['rating']}{comment}", ""]
    return "\n".join(lines)


# Enough rows to read the answer's result by; the JSON export carries every stored row.
_TABLE_ROWS = 50


def _markdown_table(table: dict[str, Any]) -> list[str]:
    columns = [str(c) for c in table.get("columns") or []]
    if not columns:
        return []
    rows = table.get("rows") or []
    lines = [_table_row(columns), _table_row(["---"] * len(columns))]
    lines += [_table_row([str(v) for v in row]) for row in rows[:_TABLE_ROWS]]
    if len(rows) > _TABLE_ROWS or table.get("truncated"):
        shown = min(len(rows), _TABLE_ROWS)
        lines += ["", f"({shown} of {table.get('row_count', len(rows))} rows shown)"]
    return lines


def _table_row(cells: list[str]) -> str:
    # A pipe or a line break inside a value would break the table's layout.
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
