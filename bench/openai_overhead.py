"""Time to first token through /v1/chat/completions next to the native stream.

One `askwell serve` (fresh data folder, SQLite, the `scripted:echo` model, no warm-up)
with one assistant and one API key. Then `--chats` pairs of streamed chats, sent one at a
time and alternating (native first, then /v1, then native ...) so both see the same
machine: the native `POST /api/v1/chat/stream` with the key, timed to its first `token`
line, and `POST /v1/chat/completions` with `stream: true`, timed to its first chunk with
content. The clock starts just before each request is sent; one keep-alive httpx client
per endpoint. Prints the medians and p95s and their difference (target: the median adds
under 5 ms) and writes JSON to bench/out/openai_overhead-<UTC>.json.

    .venv/bin/python bench/openai_overhead.py --chats 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import running_server  # noqa: E402

PASSWORD = "bench password 1"
TARGET_MS = 5.0


def _setup(base_url: str) -> tuple[str, str]:
    with httpx.Client(base_url=base_url, timeout=30, trust_env=False) as http:
        http.post("/api/v1/auth/register", json={"email": "bench@example.org", "password": PASSWORD})
        token = http.post("/api/v1/auth/token", data={"username": "bench@example.org", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assistant = http.post(
            "/api/v1/assistants", json={"name": "bench", "model": "scripted:echo"}, headers=headers
        ).json()
        body = {"name": "bench", "assistant_ids": [assistant["id"]], "actions": ["chat"]}
        key = http.post("/api/v1/api-keys", json=body, headers=headers).json()["key"]
    return assistant["id"], key


def _native(http: httpx.Client, assistant_id: str, n: int) -> float:
    body = {"message": f"question {n}", "assistant_id": assistant_id, "session_id": f"bench-native-{n:06d}"}
    started = time.perf_counter()
    first = None
    with http.stream("POST", "/api/v1/chat/stream", json=body) as response:
        for line in response.iter_lines():  # read to the end: the turn is stored before the next
            if first is None and line and json.loads(line)["type"] == "token":
                first = time.perf_counter()
    if first is None:
        raise RuntimeError(f"no token in the native stream ({response.status_code})")
    return (first - started) * 1000


def _openai(http: httpx.Client, n: int) -> float:
    body = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": f"question {n}"}]}
    started = time.perf_counter()
    first = None
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if first is None and line.startswith("data: {"):
                choices = json.loads(line[6:])["choices"]
                if choices and choices[0]["delta"].get("content"):
                    first = time.perf_counter()
    if first is None:
        raise RuntimeError(f"no content chunk from /v1 ({response.status_code})")
    return (first - started) * 1000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=200, help="pairs of chats (default 200)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rate-limit", default="", help='ASKWELL_RATE_LIMIT_API_KEY ("" turns it off)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = {
            "ASKWELL_WARM_UP": "false",
            "ASKWELL_RATE_LIMIT_API_KEY": args.rate_limit,
            "ASKWELL_RATE_LIMIT_CHAT_ASSISTANT": "",
        }
        with running_server(Path(work) / "data", **env) as base_url:
            assistant_id, key = _setup(base_url)
            auth = {"Authorization": f"Bearer {key}"}
            with (
                httpx.Client(base_url=base_url, headers=auth, timeout=30, trust_env=False) as native_http,
                httpx.Client(base_url=base_url, headers=auth, timeout=30, trust_env=False) as openai_http,
            ):
                native: list[float] = []
                compat: list[float] = []
                for n in range(args.warmup + args.chats):
                    a, b = _native(native_http, assistant_id, n), _openai(openai_http, n)
                    if n >= args.warmup:
                        native.append(a)
                        compat.append(b)
    result = {
        "chats": args.chats,
        "native_ms": {"median": statistics.median(native), "p95": _p95(native)},
        "openai_ms": {"median": statistics.median(compat), "p95": _p95(compat)},
    }
    added = result["openai_ms"]["median"] - result["native_ms"]["median"]
    result["added_median_ms"] = added
    print(f"{'':22} {'median ms':>10} {'p95 ms':>10}")
    for name in ("native_ms", "openai_ms"):
        print(f"{name:22} {result[name]['median']:10.2f} {result[name]['p95']:10.2f}")
    verdict = "ok" if added < TARGET_MS else "MISSED"
    print(f"/v1 adds {added:.2f} ms to the median time to first token (target < {TARGET_MS} ms): {verdict}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"openai_overhead-{stamp}.json").write_text(json.dumps(result, indent=2))
    sys.exit(0 if added < TARGET_MS else 1)


if __name__ == "__main__":
    main()
