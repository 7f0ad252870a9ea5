"""Sign-up, token (OAuth2 password flow), the caller's profile, and user admin."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from askwell.auth import service
from askwell.auth.deps import AdminUser, CurrentUser, LoginForm, LoginRateLimit, RegisterRateLimit
from askwell.auth.schemas import Token, UserCreate, UserRead, UserRegister, UserUpdate
from askwell.auth.security import create_access_token
from askwell.deps import RuntimeDep, SessionDep
from askwell.errors import Invalid

router = APIRouter(tags=["auth"])


@router.post("/auth/register", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def register(
    _limit: RegisterRateLimit, user_in: UserRegister, session: SessionDep, runtime: RuntimeDep
) -> object:
    """Create an account (can be disabled with ASKWELL_ALLOW_REGISTRATION=false)."""
    user = await service.register(
        session=session,
        user_in=user_in,
        allowed=runtime.settings.allow_registration,
        first_is_admin=runtime.settings.first_user_is_admin,
    )
    await session.commit()
    return user


@router.post("/auth/token", response_model=Token)
async def login(_limit: LoginRateLimit, form: LoginForm, session: SessionDep, runtime: RuntimeDep) -> Token:
    """Exchange e-mail (as `username`) and password for a bearer token."""
    user = await service.authenticate(session=session, email=form.username, password=form.password)
    token, expires_in = create_access_token(
        user.id, key=runtime.signing_key, minutes=runtime.settings.access_token_minutes
    )
    return Token(access_token=token, expires_in=expires_in)


@router.get("/users/me", response_model=UserRead)
async def read_me(user: CurrentUser) -> object:
    """The caller's own account."""
    return user


@router.get("/users", response_model=list[UserRead])
async def list_users(_admin: AdminUser, session: SessionDep) -> object:
    """All accounts (admin)."""
    return await service.list_users(session=session)


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(user_in: UserCreate, _admin: AdminUser, session: SessionDep) -> object:
    """Create an account with a chosen role (admin)."""
    user = await service.create(session=session, user_in=user_in)
    await session.commit()
    return user


@router.patch("/users/{user_id}", response_model=UserRead)
async def update_user(
    user_id: uuid.UUID, user_in: UserUpdate, admin: AdminUser, session: SessionDep
) -> object:
    """Rename, change role, reset password, or (de)activate an account (admin)."""
    if user_id == admin.id and (user_in.is_active is False or user_in.role not in (None, admin.role)):
        raise Invalid("Admins cannot demote or deactivate themselves", code="self_lockout")
    user = await service.get(session=session, user_id=user_id)
    user = await service.update(session=session, user=user, user_in=user_in)
    await session.commit()
    return user
