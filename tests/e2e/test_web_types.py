"""The web app's wire types are generated from the OpenAPI schema, never edited by hand: the
schema describes the chat stream's events too, and the committed file must be exactly what
the generator writes from the code as it is now."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from askwell.app import create_app
from askwell.settings import Settings
from tests.e2e.helpers import ROOT, WEB, unavailable

GENERATED = WEB / "src" / "api" / "schema.gen.ts"
SCRIPT = ROOT / "scripts" / "gen-web-types.sh"
CHAT_EVENT = {"$ref": "#/components/schemas/ChatEvent"}


async def test_the_served_schema_describes_the_chat_stream_events(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://askwell.test"
    ) as http:
        schema = (await http.get("/api/v1/openapi.json")).json()
    stream = schema["paths"]["/api/v1/chat/stream"]["post"]["responses"]["200"]["content"]
    assert stream == {
        "application/x-ndjson": {"schema": CHAT_EVENT},
        "text/event-stream": {"schema": CHAT_EVENT},
    }
    components = schema["components"]["schemas"]
    union = components["ChatEvent"]
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "type"
    assert {member["$ref"] for member in union["oneOf"]} == set(mapping.values())
    assert {"start", "token", "done"} <= set(mapping)
    for event_type, ref in mapping.items():
        member = components[ref.rsplit("/", 1)[-1]]
        assert member["properties"]["type"]["const"] == event_type


def test_generated_web_types_match_the_api_schema(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        unavailable("npm is not installed")
    if not (WEB / "node_modules" / ".bin" / "openapi-typescript").exists():
        unavailable("web/node_modules is missing: run `make web`")
    fresh = tmp_path / "schema.gen.ts"
    result = subprocess.run(
        [str(SCRIPT), str(fresh)],
        env={**os.environ, "PY": sys.executable, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{SCRIPT.name} failed:\n{(result.stdout + result.stderr)[-4000:]}"
    assert fresh.read_bytes() == GENERATED.read_bytes(), (
        f"{GENERATED.relative_to(ROOT)} is not what the API's schema gives now: "
        "run scripts/gen-web-types.sh and commit the result"
    )
