"""Assistants: anyone lists and reads those they may chat with; admins write."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from askwell.assistants import service
from askwell.assistants.schemas import AssistantCreate, AssistantRead, AssistantUpdate
from askwell.auth.deps import AdminUser, OptionalUser
from askwell.deps import SessionDep

router = APIRouter(prefix="/assistants", tags=["assistants"])


@router.get("", response_model=list[AssistantRead])
async def list_assistants(session: SessionDep, user: OptionalUser) -> object:
    """The assistants the caller may chat with."""
    return await service.list_assistants(session=session, include_login_only=user is not None)


@router.post("", response_model=AssistantRead, status_code=status.HTTP_201_CREATED)
async def create_assistant(assistant_in: AssistantCreate, _admin: AdminUser, session: SessionDep) -> object:
    """Create an assistant (admin)."""
    assistant = await service.create(session=session, assistant_in=assistant_in)
    await session.commit()
    return assistant


@router.get("/{assistant_id}", response_model=AssistantRead)
async def read_assistant(assistant_id: uuid.UUID, session: SessionDep, user: OptionalUser) -> object:
    """One assistant, if the caller may chat with it."""
    return await service.get_for_chat(session=session, assistant_id=assistant_id, user=user)


@router.patch("/{assistant_id}", response_model=AssistantRead)
async def update_assistant(
    assistant_id: uuid.UUID, assistant_in: AssistantUpdate, _admin: AdminUser, session: SessionDep
) -> object:
    """Change an assistant's fields (admin)."""
    assistant = await service.get(session=session, assistant_id=assistant_id)
    assistant = await service.update(session=session, assistant=assistant, assistant_in=assistant_in)
    await session.commit()
    return assistant


@router.delete("/{assistant_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_assistant(assistant_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> Response:
    """Delete an assistant and its chat sessions (admin)."""
    assistant = await service.get(session=session, assistant_id=assistant_id)
    await service.delete(session=session, assistant=assistant)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
