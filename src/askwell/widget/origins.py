"""The preflight's question to the database: does a widget key list this origin?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import Scope

from askwell.apikeys import service

if TYPE_CHECKING:
    from askwell.runtime import Runtime


async def origin_listed(scope: Scope, origin: str) -> bool:
    """Whether a widget key that is valid now lists `origin` (a session of its own: the
    preflight is answered before any route, so no request session exists)."""
    runtime: Runtime = scope["app"].state.runtime
    async with runtime.session_factory() as session:
        return await service.origin_has_widget(session=session, origin=origin)
