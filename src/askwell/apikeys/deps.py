"""FastAPI dependencies of the endpoints that take an API key as well as a user: chat,
search and the OpenAI-compatible API. Every other endpoint refuses keys (askwell.auth.deps)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from askwell.apikeys import service
from askwell.apikeys.caller import Caller
from askwell.apikeys.service import KeyPrincipal
from askwell.auth.deps import OptionalUser, bearer_token
from askwell.auth.security import API_KEY_MARK
from askwell.deps import ClientIP, RateLimiterDep, SessionDep
from askwell.errors import Forbidden, Unauthorized
from askwell.ratelimit import Limit

# The one endpoint a widget key may call: every visitor of the embedding site holds the
# same key, so reading history or listing sessions would show one visitor another's chat.
WIDGET_PATHS = frozenset({"/api/v1/chat/stream"})


async def get_caller(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    token: Annotated[str | None, Depends(bearer_token)],
) -> Caller:
    """The user, or the key: a key that is not valid now is a 401, never an anonymous caller
    (a revoked key must not keep chatting with the public assistants)."""
    if token and token.startswith(API_KEY_MARK):
        key = await service.authenticate(session=session, key=token)
        if key.is_widget:
            _check_widget(request, key)
        return Caller(key=key)
    return Caller(user=user)


def _check_widget(request: Request, key: KeyPrincipal) -> None:
    """A widget key chats, from its listed origins only. The Origin header is the browser's
    word (a script cannot forge it); a request with none came from outside a browser page.

    Raises:
        Forbidden: another endpoint, or a missing or unlisted Origin.
    """
    origin = request.headers.get("origin")
    if request.url.path not in WIDGET_PATHS:
        raise Forbidden("A widget key may only chat (POST /api/v1/chat/stream)", code="widget_key_chat_only")
    if origin is None:
        raise Forbidden(
            "A widget key must be used from a web page (no Origin header)", code="widget_origin_missing"
        )
    if origin.lower() not in key.allowed_origins:
        raise Forbidden(
            f"This widget key is not allowed on {origin}: an admin can add it to the key's allowed_origins",
            code="widget_origin_forbidden",
        )
    # The response names this origin (askwell.widget.cors), so the page can read the answer,
    # or a refusal further on (a rate limit) and tell the visitor why.
    request.state.widget_origin = origin


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
