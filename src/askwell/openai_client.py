"""The OpenAI SDK client and its errors, shared by `openai:` chat models and embedders."""

from __future__ import annotations

from typing import Any

from askwell.errors import Invalid, ModelError
from askwell.settings import Settings


def make_client(settings: Settings) -> Any:
    """An AsyncOpenAI client for ASKWELL_OPENAI_BASE_URL (any OpenAI-compatible server)."""
    try:
        import openai
    except ImportError as exc:
        raise Invalid(
            '"openai:" models need the openai extra: pip install "askwell[openai]"', code="missing_extra"
        ) from exc
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return openai.AsyncOpenAI(
        base_url=settings.openai_base_url, api_key=api_key, timeout=settings.model_timeout_s, max_retries=1
    )


def model_error(exc: Exception, *, server: str, name: str, model: str) -> ModelError:
    """A ModelError saying what to check, for an exception of the openai SDK.

    `server` names the kind of server in the message ("model", "embedding").
    """
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return ModelError(f"The {server} server for {name} did not answer in time (ASKWELL_MODEL_TIMEOUT_S)")
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(
            f"Cannot reach the {server} server for {name}: check "
            "ASKWELL_OPENAI_BASE_URL and that the server is running"
        )
    if isinstance(exc, openai.AuthenticationError):
        return ModelError(f"The {server} server refused the API key for {name}: check ASKWELL_OPENAI_API_KEY")
    if isinstance(exc, openai.NotFoundError):
        return ModelError(f"The {server} server does not know the model {model!r}")
    if isinstance(exc, openai.BadRequestError):
        return ModelError(f"The {server} server rejected the request for {name}: {exc.message[:200]}")
    if isinstance(exc, openai.APIStatusError):
        return ModelError(f"The {server} server answered HTTP {exc.status_code} for {name}")
    return ModelError(f"The {server} server failed for {name}")
