"""Accounts: creation, registration, password login, token resolution."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.auth.models import Role, User
from askwell.auth.schemas import UserCreate, UserRegister, UserUpdate
from askwell.auth.security import decode_access_token, hash_password, verify_password
from askwell.errors import Conflict, Forbidden, NotFound, Unauthorized

# Verifying against a real hash when the account does not exist keeps login timing flat,
# so the response time does not reveal which e-mail addresses have accounts.
_DUMMY_HASH = hash_password("askwell-timing-equaliser")


async def get(*, session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


async def get_by_email(*, session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def list_users(*, session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.created_at)))


async def create(*, session: AsyncSession, user_in: UserCreate) -> User:
    if await get_by_email(session=session, email=user_in.email):
        raise Conflict(f"A user with e-mail {user_in.email} already exists", code="email_taken")
    user = User(
        email=user_in.email,
        name=user_in.name,
        password_hash=hash_password(user_in.password),
        role=user_in.role.value,
        is_active=True,
    )
    session.add(user)
    await session.flush()
    return user


async def register(
    *, session: AsyncSession, user_in: UserRegister, allowed: bool, first_is_admin: bool
) -> User:
    """Self-service sign-up; the first account of an empty instance may become admin."""
    if not allowed:
        raise Forbidden(
            "Registration is disabled; ask an administrator for an account", code="registration_disabled"
        )
    role = Role.MEMBER
    if first_is_admin and not await session.scalar(select(func.count()).select_from(User)):
        role = Role.ADMIN
    return await create(
        session=session,
        user_in=UserCreate(email=user_in.email, name=user_in.name, password=user_in.password, role=role),
    )


async def update(*, session: AsyncSession, user: User, user_in: UserUpdate) -> User:
    changes = user_in.model_dump(exclude_unset=True, exclude_none=True)
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    if "role" in changes:
        changes["role"] = changes["role"].value
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    return user


async def authenticate(*, session: AsyncSession, email: str, password: str) -> User:
    user = await get_by_email(session=session, email=email)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        raise Unauthorized("Incorrect e-mail or password", code="bad_credentials")
    if not verify_password(password, user.password_hash):
        raise Unauthorized("Incorrect e-mail or password", code="bad_credentials")
    if not user.is_active:
        raise Unauthorized("This account is deactivated", code="inactive_user")
    return user


async def user_from_token(*, session: AsyncSession, token: str, key: str) -> User | None:
    """The active user a token names, or None when the token or the user is not valid."""
    user_id = decode_access_token(token, key=key)
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return user
