"""Schema-driven fuzzing: every operation of Askwell's own OpenAPI schema, as a member and as
the admin, with inputs generated from the schema (valid ones and ones that break it).

Every response must be below 500 and conform to the schema: a declared status code, a
declared content type and a body that matches the declared model. The app runs in-process
(ASGI, no server) against a fresh SQLite database; `ASKWELL_FUZZ_BACKEND=postgres` runs it
against the test PostgreSQL + Redis instead. The run is bounded for CI by
`ASKWELL_FUZZ_EXAMPLES` (examples per operation, per user and per generation mode) and is
reproducible by `ASKWELL_FUZZ_SEED`; README's testing section gives a longer run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from askwell.app import create_app
from askwell.settings import Settings
from tests.conftest import PASSWORD

EXAMPLES = int(os.environ.get("ASKWELL_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("ASKWELL_FUZZ_SEED", "20261204"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Operations that would end the run's own accounts or data if fuzzed with their real ids come
# last, so every other operation meets live resources first.
DESTRUCTIVE = ("DELETE", "PATCH /api/v1/users/{user_id}")


@pytest.fixture(params=[os.environ.get("ASKWELL_FUZZ_BACKEND", "sqlite")])
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite in CI; the conftest fixtures build the database and settings from this."""
    return str(request.param)


@dataclass
class Fuzzed:
    """The running app, its schema, who calls it and the ids that exist in it."""

    schema: Any
    client: asgi.ASGIClient
    headers: dict[str, dict[str, str]]
    known: dict[str, str]
    calls: dict[str, int] = field(default_factory=dict)


def _login(client: asgi.ASGIClient, email: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    token = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _seed_resources(client: asgi.ASGIClient, admin: dict[str, str], member: dict[str, str]) -> dict[str, str]:
    """One of each resource a path names, so path parameters can point at something real."""
    assistant = _ok(client.post("/api/v1/assistants", json={"name": "Fuzzed"}, headers=admin), 201)
    base = f"/api/v1/assistants/{assistant['id']}"
    connector = _ok(client.post(f"{base}/connectors", json={"type": "documents"}, headers=admin), 201)
    files = [("files", ("notes.txt", b"Askwell answers from documents.", "text/plain"))]
    _ok(client.post(f"/api/v1/connectors/{connector['id']}/documents", files=files, headers=admin), 202)
    document = _ok(client.get(f"/api/v1/connectors/{connector['id']}/documents", headers=admin))[0]
    job = _ok(client.get("/api/v1/jobs", headers=admin))[0]
    me = _ok(client.get("/api/v1/users/me", headers=member))
    session_id = "s-fuzzed-session"
    chat = {"message": "hello", "assistant_id": assistant["id"], "session_id": session_id}
    streamed = client.post("/api/v1/chat/stream", json=chat, headers=member)
    assert streamed.status_code == 200 and b'"type":"done"' in streamed.content, streamed.text
    return {
        "assistant_id": assistant["id"],
        "connector_id": connector["id"],
        "document_id": document["id"],
        "job_id": job["id"],
        "user_id": me["id"],
        "session_id": session_id,
    }


def _serve(app: Any) -> Iterator[Fuzzed]:
    # The schemathesis client runs the app (and its lifespan) on one event loop of its own.
    with asgi.get_client(app) as client:
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        admin = _login(client, "admin@example.org")  # the first account is the admin
        member = _login(client, "member@example.org")
        known = _seed_resources(client, admin, member)
        try:
            yield Fuzzed(schema, client, headers={"member": member, "admin": admin}, known=known)
        finally:
            asgi.shutdown_lifespans()


@pytest.fixture
def fuzzed(settings: Settings) -> Iterator[Fuzzed]:
    yield from _serve(create_app(settings))


def _operations(schema: Any, label_prefix: str = "") -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.label.startswith(label_prefix)]
    return sorted(operations, key=lambda op: any(op.label.startswith(d) for d in DESTRUCTIVE))


def _fuzz(fuzzed: Fuzzed, operation: Any, who: str, mode: GenerationMode) -> None:
    headers = fuzzed.headers[who]
    names = [p.name for p in operation.path_parameters]

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its curl line
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def run(case: Any, real_ids: bool) -> None:
        # Half the cases aim at resources that exist, so handlers get past their lookups.
        if real_ids and mode is GenerationMode.POSITIVE:
            for name in names:
                if name in fuzzed.known:
                    case.path_parameters[name] = fuzzed.known[name]
        case.call_and_validate(session=fuzzed.client, headers=headers, checks=CHECKS)
        fuzzed.calls[operation.label] = fuzzed.calls.get(operation.label, 0) + 1

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # An operation that takes no input at all has nothing to break in negative mode.
        if mode is not GenerationMode.NEGATIVE:
            raise


def _fuzz_all(fuzzed: Fuzzed, operations: list[Any]) -> list[str]:
    """Each operation's failure, as the member then as the admin (who may deactivate the member)."""
    failures = []
    for who in ("member", "admin"):
        for operation in operations:
            for mode in MODES:
                try:
                    _fuzz(fuzzed, operation, who, mode)
                except (Exception, BaseExceptionGroup) as exc:  # report them all, not the first
                    where = f"{operation.label} as {who}, {mode.value} inputs, ASKWELL_FUZZ_SEED={SEED}"
                    failures.append(f"--- {where}:\n{exc!r}\n{exc}")
    return failures


def test_every_operation_survives_fuzzing_as_member_and_admin(fuzzed: Fuzzed) -> None:
    operations = _operations(fuzzed.schema)
    started = time.monotonic()
    failures = _fuzz_all(fuzzed, operations)
    assert not failures, "\n\n".join(failures)
    # Every operation of the schema was really called, many times over.
    assert len(operations) >= 30
    assert set(fuzzed.calls) == {op.label for op in operations}
    assert min(fuzzed.calls.values()) >= 2
    calls, took = sum(fuzzed.calls.values()), time.monotonic() - started
    print(f"fuzzed {len(operations)} operations with {calls} calls in {took:.1f} s")


class _Shape(BaseModel):
    name: str


def test_the_fuzzing_fails_on_a_server_error_and_on_a_body_off_its_schema(settings: Settings) -> None:
    """The checks bite: a route that crashes and one whose body is not its declared model."""
    app = create_app(settings)

    @app.get("/api/v1/fuzz-probe/crash")
    async def crash() -> dict[str, str]:
        raise RuntimeError("a bug")

    @app.get("/api/v1/fuzz-probe/off-schema", responses={200: {"model": _Shape}})
    async def off_schema() -> JSONResponse:
        return JSONResponse({"title": 1})

    # Before the web app's catch-all, which is mounted last.
    probes = [app.router.routes.pop(), app.router.routes.pop()]
    app.router.routes[:0] = probes
    for fuzzed in _serve(app):
        failures = _fuzz_all(fuzzed, _operations(fuzzed.schema, "GET /api/v1/fuzz-probe"))
        crashed = [f for f in failures if f.startswith("--- GET /api/v1/fuzz-probe/crash")]
        off = [f for f in failures if f.startswith("--- GET /api/v1/fuzz-probe/off-schema")]
        assert crashed and all("a bug" in f for f in crashed)
        assert off and all("Response violates schema" in f for f in off)


# --- what the fuzzing found, pinned ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/api/v1/assistants", b'\xff\xfe{"name": "x"}', "application/json"),  # not UTF-8
        ("/api/v1/chat/stream", b"\xff{", "application/json"),
    ],
)
async def test_an_unreadable_body_is_400_bad_request(
    client: httpx.AsyncClient, admin_headers: dict[str, str], path: str, body: bytes, content_type: str
) -> None:
    response = await client.post(path, content=body, headers={**admin_headers, "content-type": content_type})
    assert response.status_code == 400, response.text
    error = response.json()
    assert set(error) == {"detail", "code"}
    assert error["code"] == "bad_request" and "UTF-8" in error["detail"]


async def test_malformed_json_and_a_huge_offset_are_4xx(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    broken = await client.post(
        "/api/v1/assistants",
        content=b'{"name": ',
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_request"
    # Once a 500: SQLite cannot bind an int past 64 bits.
    huge = await client.get("/api/v1/jobs", params={"offset": 2**64}, headers=admin_headers)
    assert huge.status_code == 422 and huge.json()["code"] == "invalid_request", huge.text


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgresql_refusing_a_value_is_422_not_500(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """PostgreSQL stores no NUL in text; the schema cannot know a column's length either."""
    nul = await client.post(
        "/api/v1/auth/register", json={"email": "a\x00b@example.org", "password": PASSWORD}
    )
    assert nul.status_code == 422 and nul.json()["code"] == "invalid_request", nul.text
    named = await client.post("/api/v1/assistants", json={"name": "nul\x00name"}, headers=admin_headers)
    assert named.status_code == 422, named.text
    still = await client.get("/api/v1/assistants", headers=admin_headers)
    assert still.status_code == 200  # the failed write left the app serving


def test_the_schema_describes_errors_as_they_are_sent(settings: Settings) -> None:
    schema = create_app(settings).openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        # The OpenAI-compatible surface answers in OpenAI's error shape (app.py, openai_compat).
        model = "OpenAIError" if path.startswith("/v1/") else "Error"
        error = {"$ref": f"#/components/schemas/{model}"}
        for method, operation in operations.items():
            for status in ("401", "403", "404", "429"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == error, (
                    f"{method.upper()} {path} {status}"
                )
