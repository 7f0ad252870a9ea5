"""`/v1/models` and `/v1/chat/completions`: OpenAI's API over the assistants a caller may use."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from askwell.apikeys.deps import ChatRateLimit, KnownCaller
from askwell.chat.start import start_turn
from askwell.chat.wire import SSE
from askwell.deps import RateLimiterDep, RuntimeDep, SessionDep
from askwell.openai_compat import catalog, translate
from askwell.openai_compat.schemas import ChatCompletion, CompletionRequest, OpenAIModelList
from askwell.openai_compat.wire import sse_stream

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.get("/models", response_model=OpenAIModelList)
async def list_models(caller: KnownCaller, session: SessionDep) -> OpenAIModelList:
    """The assistants the caller (API key or user token) may chat with, as models."""
    assistants = await catalog.usable(session=session, caller=caller)
    return OpenAIModelList(data=[catalog.card_of(a) for a in assistants])


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {"content": {SSE: {}}, "description": "With stream: true, chat.completion.chunk frames."}
    },
)
async def chat_completions(
    caller: KnownCaller,
    _limit: ChatRateLimit,
    request: CompletionRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    limiter: RateLimiterDep,
) -> ChatCompletion | StreamingResponse:
    """Answer the conversation's last user message; each call is a new stored session."""
    question, history = translate.conversation(request.messages)
    assistant = await catalog.resolve(session=session, caller=caller, model=request.model)
    session_id = f"oai-{uuid.uuid4().hex}"
    events = await start_turn(
        session=session,
        runtime=runtime,
        limiter=limiter,
        caller=caller,
        assistant_id=assistant.id,
        session_id=session_id,
        message=question,
        language=None,
        history=history,
    )
    about = translate.About(model=request.model, assistant_id=assistant.id, session_id=session_id)
    if not request.stream:
        return await translate.completion(events, about)
    include_usage = bool(request.stream_options and request.stream_options.include_usage)
    return StreamingResponse(
        sse_stream(translate.chunks(events, about, include_usage=include_usage)),
        media_type=SSE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
