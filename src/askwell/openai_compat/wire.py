"""OpenAI's framing: `data: <json>` SSE frames ending in `data: [DONE]`, and error bodies
`{"error": {"message", "type", "code"}}` (app.py uses them for every error under /v1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from askwell.chat.wire import encode_in_task
from askwell.openai_compat.schemas import OpenAIError, OpenAIErrorDetail

PATH_PREFIX = "/v1/"

# The `type` OpenAI's clients expect for each status (their SDKs raise by status).
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
}


def is_openai_path(path: str) -> bool:
    return path.startswith(PATH_PREFIX)


def error_detail(status: int, message: str, code: str) -> OpenAIErrorDetail:
    return OpenAIErrorDetail(message=message, type=_TYPES.get(status, "api_error"), code=code)


def error_response(
    status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An OpenAI-style error. 422 becomes 400, the status OpenAI gives a request it cannot take."""
    status = 400 if status == 422 else status
    body = OpenAIError(error=error_detail(status, message, code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _frame(item: BaseModel) -> bytes:
    return b"data: " + item.model_dump_json(exclude_none=True).encode() + b"\n\n"


async def sse_stream(items: AsyncIterator[BaseModel]) -> AsyncIterator[bytes]:
    """The frames, produced in a task of their own (a disconnect only cancels the turn), then [DONE]."""
    async for data in encode_in_task(items, _frame):
        yield data
    yield b"data: [DONE]\n\n"
