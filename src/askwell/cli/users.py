"""`askwell users ...`: user accounts from the shell."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from askwell.auth import service as auth_service
from askwell.auth.models import Role
from askwell.auth.schemas import UserCreate
from askwell.cli._runner import run
from askwell.runtime import Runtime

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


@app.command("create")
def create_user(
    email: str,
    admin: Annotated[bool, typer.Option("--admin", help="Give the admin role.")] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; default: ASKWELL_NEW_USER_PASSWORD, else asked for.")
    ] = None,
) -> None:
    """Create a user account."""
    password = (
        password
        or os.environ.get("ASKWELL_NEW_USER_PASSWORD")
        or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    user_in = UserCreate(email=email, name=name, password=password, role=Role.ADMIN if admin else Role.MEMBER)

    async def work(runtime: Runtime) -> str:
        async with runtime.session_factory() as session:
            user = await auth_service.create(session=session, user_in=user_in)
            await session.commit()
            return f"created {user.role} {user.email} ({user.id})"

    typer.echo(run(work))
