"""The world the authorization matrix runs in: the seven principals and a resource of each kind
(an assistant, its documents and SQL connectors, a document, a failed job, a member's chat
session, a user to administer), built through the API as a user would."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from askwell.settings import Settings
from tests.conftest import bearer, create_assistant, login, new_session_id, register
from tests.documents.helpers import upload, wait_for_ingestion

EVAL_SET = b'{"question": "What is in the text?", "expected_documents": ["fine.md"]}\n'
PRINCIPALS = ("anonymous", "member", "other", "admin", "deactivated", "expired", "key")


@dataclass
class World:
    client: httpx.AsyncClient
    headers: dict[str, dict[str, str]]  # principal -> its Authorization header (none for anonymous)
    ids: dict[str, str] = field(default_factory=dict)  # resource kind -> id

    async def call(self, principal: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers[principal], **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def as_admin(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.call("admin", method, path, **kwargs)
        assert response.status_code in (200, 201, 202), response.text
        body = response.json()
        return dict(body[0] if isinstance(body, list) else body)

    async def fresh_assistant(self) -> str:
        return str((await create_assistant(self.client, self.headers["admin"]))["id"])

    async def fresh_connector(self) -> str:
        path = f"/api/v1/assistants/{self.ids['assistant']}/connectors"
        return str((await self.as_admin("POST", path, json={"type": "documents"}))["id"])

    async def fresh_document(self) -> str:
        connector = self.ids["connector"]
        response = await upload(
            self.client, self.headers["admin"], connector, [(_name("md"), b"# A\n\ntext\n")]
        )
        assert response.status_code == 202, response.text
        await wait_for_ingestion(self.client, self.headers["admin"], connector)
        return str(response.json()[0]["id"])

    async def fresh_api_key(self) -> str:
        body = {"name": _name("key"), "assistant_ids": [self.ids["assistant"]], "actions": ["chat", "search"]}
        return str((await self.as_admin("POST", "/api/v1/api-keys", json=body))["id"])

    async def fresh_eval_set(self) -> str:
        path = f"/api/v1/assistants/{self.ids['assistant']}/evaluation-sets"
        files = {"file": ("set.jsonl", EVAL_SET, "application/x-ndjson")}
        return str((await self.as_admin("POST", path, files=files))["id"])

    async def fresh_eval_run(self) -> str:
        set_id = self.ids.get("eval_set") or await self.fresh_eval_set()
        return str((await self.as_admin("POST", f"/api/v1/evaluation-sets/{set_id}/runs"))["id"])

    async def fresh_session(self, principal: str = "member") -> str:
        """A session with one message, owned by `principal`."""
        session_id = new_session_id()
        body = {"message": "hello", "assistant_id": self.ids["assistant"], "session_id": session_id}
        response = await self.call(principal, "POST", "/api/v1/chat/stream", json=body)
        assert response.status_code == 200, response.text
        return session_id


def _name(ext: str) -> str:
    return f"{uuid.uuid4().hex[:8]}.{ext}"


def sign(
    settings: Settings, payload: dict[str, Any], key: str | None = None, algorithm: str = "HS256"
) -> str:
    """A token signed with the server's own key (the one generated in the data folder)."""
    key = key or (settings.data_dir / "secret_key").read_text().strip()
    return jwt.encode(payload, key, algorithm=algorithm)


async def build_world(client: httpx.AsyncClient, settings: Settings) -> World:
    """Every principal and one resource of each kind the routes' paths name."""
    await register(client, "admin@example.org")  # the first account: the admin
    headers: dict[str, dict[str, str]] = {
        "anonymous": {},
        "admin": bearer(await login(client, "admin@example.org")),
    }
    for principal in ("member", "other", "deactivated"):
        await register(client, f"{principal}@example.org")
        headers[principal] = bearer(await login(client, f"{principal}@example.org"))
    world = World(client=client, headers=headers)
    me = (await world.call("member", "GET", "/api/v1/users/me")).json()
    now = datetime.now(UTC)
    expired = {
        "sub": me["id"],
        "iat": now - timedelta(hours=2),
        "exp": now - timedelta(hours=1),
        "typ": "access",
    }
    headers["expired"] = bearer(sign(settings, expired))

    deactivated = (await world.call("deactivated", "GET", "/api/v1/users/me")).json()
    await world.as_admin("PATCH", f"/api/v1/users/{deactivated['id']}", json={"is_active": False})
    target = await world.as_admin(
        "POST", "/api/v1/users", json={"email": "target@example.org", "password": "a long password"}
    )
    world.ids["user"] = str(target["id"])

    world.ids["assistant"] = await world.fresh_assistant()
    world.ids["connector"] = await world.fresh_connector()
    connector = world.ids["connector"]
    files = [(_name("md"), b"# Fine\n\ntext\n"), (_name("txt"), b"")]  # the empty one fails
    assert (await upload(client, headers["admin"], connector, files)).status_code == 202
    documents = await wait_for_ingestion(client, headers["admin"], connector)
    world.ids["document"] = next(str(d["id"]) for d in documents if d["status"] == "ready")
    [failed] = (await world.call("admin", "GET", "/api/v1/jobs?state=failed")).json()
    world.ids["job"] = str(failed["id"])

    database = settings.data_dir / "sales.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    sql = {"type": "sql", "config": {"url": f"sqlite:///{database}"}}
    path = f"/api/v1/assistants/{world.ids['assistant']}/connectors"
    world.ids["sql_connector"] = str((await world.as_admin("POST", path, json=sql))["id"])
    world.ids["session"] = await world.fresh_session("member")
    world.ids["eval_set"] = await world.fresh_eval_set()
    world.ids["eval_run"] = await world.fresh_eval_run()
    key = await world.as_admin(
        "POST",
        "/api/v1/api-keys",
        json={"name": "matrix", "assistant_ids": [world.ids["assistant"]], "actions": ["chat", "search"]},
    )
    world.ids["api_key"] = str(key["id"])
    headers["key"] = bearer(key["key"])
    return world
