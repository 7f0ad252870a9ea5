"""FastAPI dependencies, declared once as Annotated aliases for the routers: the runtime,
the settings, a database session, the rate limiter and the client IP. Who the caller is
(and the rate limits keyed by it): askwell.auth.deps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from askwell.ratelimit import RateLimiter, client_ip
from askwell.settings import Settings

if TYPE_CHECKING:
    # Only a type here: the app puts the runtime in `app.state`, so routers (which import this
    # module) never import the runtime, which imports every domain.
    from askwell.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated["Runtime", Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def shared_rate_limiter(state: Any, settings: Settings) -> RateLimiter:
    """The app's one limiter, built on first use (its Redis client is then shared)."""
    limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        limiter = state.rate_limiter = RateLimiter.from_settings(settings)
    return limiter


def get_rate_limiter(request: Request, settings: SettingsDep) -> RateLimiter:
    return shared_rate_limiter(request.app.state, settings)


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


def get_client_ip(request: Request, settings: SettingsDep) -> str:
    """The caller's IP; X-Forwarded-For counts only from ASKWELL_TRUSTED_PROXIES."""
    return client_ip(request, settings.trusted_proxies)


ClientIP = Annotated[str, Depends(get_client_ip)]
