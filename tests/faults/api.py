"""A blocking client for real server processes in the fault tests: an admin, an assistant, a chat."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.conftest import PASSWORD


class Client:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30, trust_env=False)
        self.headers: dict[str, str] = {}

    def become_admin(self) -> None:
        """The first account registered on an empty instance is the admin."""
        email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
        registered = self.http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        token = self.http.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def assistant(self, model: str = "scripted:echo", *, documents: bool = False) -> tuple[str, str | None]:
        """A new assistant open to anyone, and its documents connector if asked for."""
        name = f"a-{uuid.uuid4().hex[:6]}"
        created = self.http.post(
            "/api/v1/assistants", json={"name": name, "model": model}, headers=self.headers
        )
        assert created.status_code == 201, created.text
        assistant_id = created.json()["id"]
        if not documents:
            return assistant_id, None
        connector = self.http.post(
            f"/api/v1/assistants/{assistant_id}/connectors", json={"type": "documents"}, headers=self.headers
        )
        assert connector.status_code == 201, connector.text
        return assistant_id, connector.json()["id"]

    def chat(self, assistant_id: str, session_id: str, message: str) -> httpx.Response:
        body = {"message": message, "assistant_id": assistant_id, "session_id": session_id}
        return self.http.post("/api/v1/chat/stream", json=body)

    def answer(self, assistant_id: str, session_id: str, message: str) -> str:
        response = self.chat(assistant_id, session_id, message)
        assert response.status_code == 200, response.text
        events = [json.loads(line) for line in response.text.splitlines()]
        assert events[-1]["type"] == "done" and not [e for e in events if e["type"] == "error"], events
        return "".join(e["content"] for e in events if e["type"] == "token")

    def history(self, session_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v1/chat/{session_id}/history")
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    def upload(self, connector_id: str, files: list[tuple[str, bytes]]) -> None:
        parts = [("files", (name, content, "application/octet-stream")) for name, content in files]
        response = self.http.post(
            f"/api/v1/connectors/{connector_id}/documents", files=parts, headers=self.headers
        )
        assert response.status_code == 202, response.text

    def documents(self, connector_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/api/v1/connectors/{connector_id}/documents", headers=self.headers)
        assert response.status_code == 200, response.text
        return list(response.json())
