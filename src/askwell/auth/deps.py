"""FastAPI dependencies for who the caller is: a user, a logged-in user, an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from askwell.auth import service as auth_service
from askwell.auth.models import User
from askwell.deps import RuntimeDep, SessionDep
from askwell.errors import Forbidden, Unauthorized

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_optional_user(
    session: SessionDep, runtime: RuntimeDep, token: Annotated[str | None, Depends(_bearer)]
) -> User | None:
    """The caller, or None: a malformed, invalid or expired token counts as no user."""
    if not token:
        return None
    return await auth_service.user_from_token(session=session, token=token, key=runtime.signing_key)


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise Unauthorized("Not authenticated: send a valid bearer token", code="not_authenticated")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("This action needs the admin role", code="admin_required")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]
