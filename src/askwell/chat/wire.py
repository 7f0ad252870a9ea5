"""Chat events on the wire: NDJSON lines or SSE frames, produced in a task of their own.

The turn runs in its own task and feeds a queue, so a client that disconnects only
cancels that task: the turn then stores its partial answer, whatever the server was
doing with the connection at that moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from pydantic import BaseModel

from askwell.background import spawn

NDJSON = "application/x-ndjson"
SSE = "text/event-stream"

_END = object()


def wants_sse(accept: str | None) -> bool:
    return SSE in (accept or "")


def ndjson_line(event: BaseModel) -> bytes:
    return event.model_dump_json().encode() + b"\n"


def sse_frame(event: BaseModel) -> bytes:
    payload = event.model_dump_json()
    event_type = getattr(event, "type", "message")
    return f"event: {event_type}\ndata: {payload}\n\n".encode()


async def encode_in_task(
    events: AsyncIterator[BaseModel], encode: Callable[[BaseModel], bytes]
) -> AsyncIterator[bytes]:
    """Run `events` in a separate task and yield its encoded events as they come.

    Events already queued when the consumer wakes up are joined into one chunk: one ASGI
    message and one socket write instead of one each. The first event is never held back.
    """
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for event in events:
                queue.put_nowait(event)
        finally:
            queue.put_nowait(_END)

    task = spawn(produce())
    try:
        ended = False
        while not ended and (item := await queue.get()) is not _END:
            assert isinstance(item, BaseModel)
            chunk = [encode(item)]
            while not queue.empty():
                if (item := queue.get_nowait()) is _END:
                    ended = True
                    break
                assert isinstance(item, BaseModel)
                chunk.append(encode(item))
            yield b"".join(chunk)
    finally:
        if not task.done():
            task.cancel()  # the client went away
