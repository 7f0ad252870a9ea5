"""The chat models an admin can pick for an assistant (admin only: it names the model servers)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter
from pydantic import BaseModel

from askwell.auth.deps import AdminUser
from askwell.deps import SettingsDep
from askwell.llm.catalogue import CATALOGUE
from askwell.llm.model_files import is_installed
from askwell.llm.registry import providers
from askwell.llm.scripted import SCRIPT_NAMES

router = APIRouter(prefix="/models", tags=["models"])


class ModelOption(BaseModel):
    name: str  # "provider:model", what an assistant's `model` field takes
    title: str
    provider: str
    installed: bool  # for local models: the weights are in the models folder
    licence: str | None = None
    notes: str = ""


class ModelList(BaseModel):
    default: str
    providers: list[str]
    models: list[ModelOption]


@router.get("", response_model=ModelList)
async def list_models(_admin: AdminUser, settings: SettingsDep) -> ModelList:
    """Catalogued local models (and whether installed), the default, and the known providers (admin)."""
    models = [
        ModelOption(
            name=f"local:{card.name}",
            title=card.title,
            provider="local",
            licence=card.licence,
            notes=card.notes,
            installed=is_installed(card, settings.resolved_models_dir),
        )
        for card in CATALOGUE.values()
    ]
    models += [
        ModelOption(
            name=f"scripted:{script}",
            title=f"Scripted ({script}), for tests",
            provider="scripted",
            installed=True,
        )
        for script in SCRIPT_NAMES
    ]
    if settings.openai_base_url or settings.openai_api_key:
        models.append(
            ModelOption(
                name="openai:<model>",
                title="OpenAI-compatible server",
                provider="openai",
                installed=True,
                notes=public_url(settings.openai_base_url) if settings.openai_base_url else "api.openai.com",
            )
        )
    return ModelList(default=settings.default_model, providers=providers(), models=models)


def public_url(url: str) -> str:
    """Where a server is, without what may hold a secret: user info, query and fragment go
    (a base URL such as `https://key@host/v1?api_key=...` carries credentials there)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
