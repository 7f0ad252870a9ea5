"""Who sends a request to the endpoints that take keys: a user, an API key, or nobody."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from askwell.apikeys.schemas import KeyAction
from askwell.apikeys.service import KeyPrincipal
from askwell.assistants import service as assistant_service
from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Caller:
    user: User | None = None
    key: KeyPrincipal | None = None

    @property
    def key_id(self) -> uuid.UUID | None:
        return self.key.id if self.key is not None else None

    @property
    def anonymous(self) -> bool:
        return self.user is None and self.key is None

    def ensure_scope(self, assistant_id: uuid.UUID, action: KeyAction) -> None:
        """A key must hold the action and the assistant; users are checked by ensure_can_use.

        Checked before the assistant is looked up, so a key learns nothing about the
        assistants outside its scope (an unknown id and a foreign one read the same).
        """
        self.ensure_action(action)
        if self.key is not None and assistant_id not in self.key.assistant_ids:
            raise Forbidden(
                "This API key is not scoped to this assistant", code="api_key_assistant_forbidden"
            )

    def ensure_action(self, action: KeyAction) -> None:
        if self.key is not None and action.value not in self.key.actions:
            raise Forbidden(
                f"This API key may not {action.value}; it may: {', '.join(sorted(self.key.actions))}",
                code="api_key_action_forbidden",
            )

    def ensure_can_use(self, assistant: Assistant) -> None:
        """A key in scope may use its assistants; others follow the assistant's login rule."""
        if self.key is None:
            assistant_service.ensure_can_chat(assistant, self.user)
