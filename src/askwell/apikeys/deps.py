"""FastAPI dependencies of the endpoints that take an API key as well as a user: chat,
search and the OpenAI-compatible API. Every other endpoint refuses keys (askwell.auth.deps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from askwell.apikeys import service
from askwell.apikeys.caller import Caller
from askwell.auth.deps import OptionalUser, bearer_token
from askwell.auth.security import API_KEY_MARK
from askwell.deps import ClientIP, RateLimiterDep, SessionDep
from askwell.errors import Unauthorized
from askwell.ratelimit import Limit


async def get_caller(
    session: SessionDep, user: OptionalUser, token: Annotated[str | None, Depends(bearer_token)]
) -> Caller:
    """The user, or the key: a key that is not valid now is a 401, never an anonymous caller
    (a revoked key must not keep chatting with the public assistants)."""
    if token and token.startswith(API_KEY_MARK):
        return Caller(key=await service.authenticate(session=session, key=token))
    return Caller(user=user)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_known_caller(caller: CallerDep) -> Caller:
    if caller.anonymous:
        raise Unauthorized("Send an API key or a user token as a Bearer credential", code="not_authenticated")
    return caller


KnownCaller = Annotated[Caller, Depends(get_known_caller)]


async def limit_chat(limiter: RateLimiterDep, ip: ClientIP, caller: CallerDep) -> None:
    """Chat messages per key, per signed-in user, or per IP for anonymous callers (before any work)."""
    if caller.key is not None:
        await limiter.hit(Limit.API_KEY, str(caller.key.id))
    elif caller.user is not None:
        await limiter.hit(Limit.CHAT_USER, str(caller.user.id))
    else:
        await limiter.hit(Limit.CHAT_IP, ip)


ChatRateLimit = Annotated[None, Depends(limit_chat)]


async def limit_key(limiter: RateLimiterDep, caller: CallerDep) -> None:
    """Requests per key on the endpoints with no limit of their own (search)."""
    if caller.key is not None:
        await limiter.hit(Limit.API_KEY, str(caller.key.id))


KeyRateLimit = Annotated[None, Depends(limit_key)]
