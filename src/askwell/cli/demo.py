"""`askwell demo`: the Chinook music store as a ready-to-ask database assistant."""

from __future__ import annotations

import anyio
import typer

from askwell.assistants import service as assistant_service
from askwell.assistants.schemas import AssistantCreate
from askwell.cli._runner import run
from askwell.connectors import service as connector_service
from askwell.connectors.schemas import ConnectorCreate
from askwell.runtime import Runtime
from askwell.sql import service as sql_service
from askwell.sql.demo import (
    DEMO_DESCRIPTION,
    DEMO_DOCS,
    DEMO_EXAMPLES,
    build_chinook,
    download_fixture,
    find_fixture,
)

DEMO_ASSISTANT = "Chinook demo"


async def install_demo(runtime: Runtime) -> str:
    """Build the database (once), create the assistant and its SQL connector; returns its name."""
    path = runtime.settings.data_dir / "demo" / "chinook.sqlite"
    if not path.is_file():
        fixture = find_fixture() or await anyio.to_thread.run_sync(
            download_fixture, runtime.settings.data_dir / "cache"
        )
        await anyio.to_thread.run_sync(lambda: build_chinook(path, fixture=fixture))
    async with runtime.session_factory() as session:
        assistant = await assistant_service.get_by_name(session=session, name=DEMO_ASSISTANT)
        if assistant is None:
            assistant = await assistant_service.create(
                session=session,
                assistant_in=AssistantCreate(
                    name=DEMO_ASSISTANT,
                    description="Questions about the Chinook music store's sales and catalogue.",
                    system_prompt="You are a data analyst for the Chinook music store. Be brief and precise.",
                ),
            )
        connectors = await connector_service.list_for_assistant(
            session=session, assistant_id=assistant.id, type_="sql"
        )
        connector = (
            connectors[0]
            if connectors
            else await connector_service.create(
                session=session,
                assistant_id=assistant.id,
                kinds=runtime.kinds,
                connector_in=ConnectorCreate(
                    type="sql",
                    name="Chinook",
                    config={
                        "url": f"sqlite:///{path.resolve()}",
                        "description": DEMO_DESCRIPTION,
                        "docs": DEMO_DOCS,
                        "examples": DEMO_EXAMPLES,
                    },
                ),
            )
        )
        await sql_service.refresh_schema(session=session, connector=connector, box=runtime.credentials)
        await session.commit()
    return DEMO_ASSISTANT


def demo() -> None:
    """Create the Chinook demo: a music-store database and an assistant that answers from it."""
    name = run(install_demo)
    typer.echo(f"ready: chat with the assistant {name!r} (askwell serve, then open http://127.0.0.1:8000)")
