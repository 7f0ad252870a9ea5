#!/usr/bin/env bash
# Regenerates the web app's wire types (web/src/api/schema.gen.ts) from the API's OpenAPI
# schema: the app is built in-process and asked for its schema, no server runs. The test
# tests/e2e/test_web_types.py fails when the committed file is not what this writes.
#   scripts/gen-web-types.sh            rewrite web/src/api/schema.gen.ts
#   scripts/gen-web-types.sh FILE       write FILE instead (the drift test compares it)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
OUTPUT=$(realpath -m "${1:-web/src/api/schema.gen.ts}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A throwaway data folder and no .env: the schema must not depend on this machine's settings.
"$PY" - "$WORK/data" >"$WORK/openapi.json" <<'PYTHON'
import json
import sys

from askwell.app import create_app
from askwell.settings import Settings

app = create_app(Settings(data_dir=sys.argv[1], _env_file=None))
json.dump(app.openapi(), sys.stdout, indent=1)
PYTHON

# --no: use the pinned generator from web/node_modules, never fetch one.
cd web
npx --no -- openapi-typescript "$WORK/openapi.json" --output "$OUTPUT"
