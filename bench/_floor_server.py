"""The floor peer for bench/chat_overhead.py: the same stream shape, no Askwell at all.

A minimal FastAPI + uvicorn app (uvicorn's defaults, as `askwell serve` uses them) with
`POST /api/v1/chat/stream` answering the way `scripted:echo` does: start, four step
events, one token event per word of the echo answer, done. It validates a body like
Askwell's ChatRequest but has no database, no auth, no memory store beyond a dict that
counts turns per session so the answers (and so the event counts) match Askwell's.

    python bench/_floor_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

MEMORY_TURNS = 10  # Askwell's default memory_turns: the echo answer reports min(2*turns, 10)
_MAX_SESSIONS = 10_000

app = FastAPI()
_sessions: dict[str, tuple[int, str]] = {}  # session_id -> (earlier turns, first question)


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=8000)
    assistant_id: uuid.UUID
    session_id: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


def _line(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode() + b"\n"


def _step(step_id: str, sequence: int, label: str, status: str, **metadata: object) -> bytes:
    return _line(
        {
            "type": "step",
            "step_id": step_id,
            "parent_id": None,
            "sequence": sequence,
            "label": label,
            "status": status,
            "metadata": metadata,
        }
    )


def _answer(request: ChatRequest) -> list[str]:
    """The words `scripted:echo` would say, given as many remembered turns as Askwell keeps."""
    turns, first = _sessions.get(request.session_id, (0, request.message))
    if len(_sessions) >= _MAX_SESSIONS:
        _sessions.clear()
    _sessions[request.session_id] = (turns + 1, first)
    remembered = min(2 * turns, MEMORY_TURNS)
    text = f"You asked: {request.message}. I remember {remembered} earlier messages."
    if turns:
        text += f" Your first question was: {first}."
    return re.findall(r"\S+\s*", text)


async def _events(request: ChatRequest) -> AsyncIterator[bytes]:
    started = time.perf_counter()
    message_id = str(uuid.uuid4())
    words = _answer(request)
    yield _line(
        {
            "type": "start",
            "session_id": request.session_id,
            "message_id": message_id,
            "assistant_id": str(request.assistant_id),
        }
    )
    yield _step("context", 1, "Loading conversation", "running")
    yield _step("context", 1, "Loading conversation", "done", duration_ms=0.0)
    yield _step("generate", 2, "Generating answer", "running", model="floor")
    for word in words:
        await asyncio.sleep(0)  # a cancellation point per token, like the scripted model
        yield _line({"type": "token", "content": word})
    yield _step("generate", 2, "Generating answer", "done", model="floor", completion_tokens=len(words))
    total_ms = round((time.perf_counter() - started) * 1000, 1)
    yield _line(
        {
            "type": "done",
            "message_id": message_id,
            "usage": {"prompt_tokens": 0, "completion_tokens": len(words)},
            "timings": {"retrieval_ms": None, "first_token_ms": None, "total_ms": total_ms},
        }
    )


@app.post("/api/v1/chat/stream")
async def chat_stream(request: ChatRequest) -> StreamingResponse:
    return StreamingResponse(
        _events(request),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@app.get("/api/v1/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
