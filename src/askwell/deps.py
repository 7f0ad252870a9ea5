"""FastAPI dependencies, declared once as Annotated aliases for the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.auth import service as auth_service
from askwell.auth.models import User
from askwell.errors import Forbidden, Unauthorized
from askwell.runtime import Runtime
from askwell.settings import Settings

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


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
