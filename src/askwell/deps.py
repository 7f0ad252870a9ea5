"""FastAPI dependencies, declared once as Annotated aliases for the routers: the runtime,
the settings, a database session. Who the caller is: askwell.auth.deps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

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
