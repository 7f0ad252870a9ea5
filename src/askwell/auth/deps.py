"""FastAPI dependencies for who the caller is (a user, a logged-in user, an admin) and the
rate limits counted per caller: uploads, logins and sign-ups (askwell.ratelimit); chats are
counted by askwell.apikeys.deps, which knows API keys too."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

from askwell.auth import service as auth_service
from askwell.auth.models import User
from askwell.auth.security import API_KEY_MARK
from askwell.deps import ClientIP, RateLimiterDep, RuntimeDep, SessionDep
from askwell.errors import Forbidden, Unauthorized
from askwell.ratelimit import Limit

bearer_token = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(bearer_token)]


async def get_optional_user(session: SessionDep, runtime: RuntimeDep, token: BearerToken) -> User | None:
    """The caller, or None: a malformed, invalid or expired token counts as no user.

    An API key is no user either: the endpoints that take keys read them (askwell.apikeys.deps).
    """
    if not token or token.startswith(API_KEY_MARK):
        return None
    return await auth_service.user_from_token(session=session, token=token, key=runtime.signing_key)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_user(user: OptionalUser, token: BearerToken) -> User:
    if user is None and token and token.startswith(API_KEY_MARK):
        raise Forbidden(
            "API keys are accepted only on the chat, search and /v1 endpoints; "
            "this one needs a user's token (POST /api/v1/auth/token)",
            code="api_key_not_allowed",
        )
    if user is None:
        raise Unauthorized("Not authenticated: send a valid bearer token", code="not_authenticated")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("This action needs the admin role", code="admin_required")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]


async def limit_login(limiter: RateLimiterDep, ip: ClientIP, form: LoginForm) -> None:
    """Every attempt counts (a success does not reset the count): per IP, per account name.

    The account name is kept hashed: a key in Redis should not hold what someone typed.
    """
    await limiter.hit(Limit.LOGIN_IP, ip)
    account = hashlib.sha256(form.username.strip().lower().encode()).hexdigest()
    await limiter.hit(Limit.LOGIN_ACCOUNT, account)


LoginRateLimit = Annotated[None, Depends(limit_login)]


async def limit_register(limiter: RateLimiterDep, ip: ClientIP) -> None:
    await limiter.hit(Limit.REGISTER_IP, ip)


RegisterRateLimit = Annotated[None, Depends(limit_register)]


async def limit_upload(limiter: RateLimiterDep, admin: AdminUser) -> None:
    await limiter.hit(Limit.UPLOAD_USER, str(admin.id))


UploadRateLimit = Annotated[None, Depends(limit_upload)]
