"""Read-only connections to a connector's database, one module per database kind.

Every layer refuses writes on its own, so a guard bug is not enough to change data: each
back-end's module says how its connections are made read-only, time-boxed and single-statement
(`sqlite.py`, `postgres.py`, `mysql.py`). This module finds the back-end of a URL (modules are
imported on first use, so a driver is needed only when its database is) and keeps one cached
engine per URL.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine

from askwell.errors import Invalid, Unavailable
from askwell.sql.readonly.base import Backend, ReadOnlyBackend

# SQLAlchemy back-end name -> (Backend, "module:object" implementing ReadOnlyBackend)
_BACKENDS: dict[str, tuple[Backend, str]] = {
    "sqlite": ("sqlite", "askwell.sql.readonly.sqlite:SQLITE"),
    "postgresql": ("postgres", "askwell.sql.readonly.postgres:POSTGRES"),
    "mysql": ("mysql", "askwell.sql.readonly.mysql:MYSQL"),
    "mariadb": ("mariadb", "askwell.sql.readonly.mysql:MARIADB"),
}
_BY_BACKEND: dict[Backend, str] = dict(_BACKENDS.values())
_MAX_ENGINES = 32
_ENGINES: OrderedDict[str, AsyncEngine] = OrderedDict()


def parse_url(url: str) -> URL:
    """The parsed URL; Invalid (code "sql_unsupported") that never echoes the text otherwise."""
    try:
        return make_url(url)
    except ArgumentError:
        # the text may hold a password: never echo it
        raise Invalid("the connection URL is not a valid SQLAlchemy URL", code="sql_unsupported") from None


def backend_of(url: str) -> Backend:
    """The database kind of a URL; Invalid (code "sql_unsupported") for anything else."""
    name = parse_url(url).get_backend_name()
    if name == "postgres":
        name = "postgresql"
    if name not in _BACKENDS:
        raise Invalid(
            f"unsupported database {name!r}: use sqlite, postgresql or mysql", code="sql_unsupported"
        )
    return _BACKENDS[name][0]


def backend(kind: Backend) -> ReadOnlyBackend:
    """The read-only set-up of a database kind (its module is imported now)."""
    module, _, attribute = _BY_BACKEND[kind].partition(":")
    found: ReadOnlyBackend = getattr(importlib.import_module(module), attribute)
    return found


def read_only_engine(url: str) -> AsyncEngine:
    """The cached read-only engine of a URL.

    Engines use NullPool: every query gets a fresh connection, so no session state (a role, a
    setting) outlives a query, and no pooled connection is tied to an event loop that has
    gone. That costs one connect per query (a few ms on a LAN), small next to a model call.
    """
    engine = _ENGINES.get(url)
    if engine is not None:
        _ENGINES.move_to_end(url)
        return engine
    engine = _create_engine(url)
    _ENGINES[url] = engine
    while len(_ENGINES) > _MAX_ENGINES:
        _ENGINES.popitem(last=False)  # NullPool: nothing to close
    return engine


async def dispose_engines() -> None:
    """Forget the cached engines (app shutdown, tests)."""
    engines = list(_ENGINES.values())
    _ENGINES.clear()
    for engine in engines:
        await engine.dispose()


def _create_engine(url: str) -> AsyncEngine:
    try:
        return backend(backend_of(url)).create_engine(parse_url(url))
    except ImportError as exc:
        extra = "mysql" if "mysql" in str(exc) else "postgres"
        raise Unavailable(
            f"the database driver is not installed ({exc.name or exc}): pip install 'askwell[{extra}]'",
            code="sql_unavailable",
        ) from None
