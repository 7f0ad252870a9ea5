"""A real llama.cpp OpenAI-compatible server (`python -m llama_cpp.server`) for tests and benches.

    with running_llama_server(gguf, alias="qwen", log_path=tmp / "llama.log") as server:
        Settings(openai_base_url=server.base_url, default_model=f"openai:{server.alias}")

The server needs llama-cpp-python's server dependencies (see SERVER_MODULES) besides the
`local` extra; `missing_reason()` says what is missing, for a skip (or a failure in CI).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from askwell.llm.catalogue import DEFAULT_LOCAL_MODEL, get_card
from askwell.llm.model_files import model_path
from tests.server import free_port, running_process

MODELS_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
DEFAULT_GGUF = model_path(get_card(DEFAULT_LOCAL_MODEL), MODELS_DIR)
# What `python -m llama_cpp.server` imports beyond llama_cpp and Askwell's own dependencies
# (llama-cpp-python's "server" extra, whose install would rebuild llama.cpp).
SERVER_MODULES = (
    "llama_cpp",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
    "uvicorn",
    "fastapi",
)


@dataclass(frozen=True)
class LlamaServer:
    process: subprocess.Popen[bytes]
    port: int
    alias: str
    log_path: Path

    @property
    def base_url(self) -> str:
        """What ASKWELL_OPENAI_BASE_URL (or ASKWELL_OPENAI_EMBEDDING_BASE_URL) should be."""
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self) -> None:
        """SIGKILL, as a crash would: no response is finished, no socket closed politely."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def missing_reason(model: Path = DEFAULT_GGUF) -> str | None:
    """Why a llama.cpp server cannot be started here, or None when it can."""
    if not model.is_file():
        return f"No model file at {model}: run `make install` (or `askwell models pull`)"
    missing = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        return f"llama.cpp's server needs {', '.join(missing)}: pip install them into the venv"
    return None


@contextmanager
def running_llama_server(
    model: Path,
    *,
    alias: str,
    log_path: Path,
    embedding: bool = False,
    architecture: str = "qwen2",
    interrupt_requests: bool = False,
    n_ctx: int = 2048,
    threads: int = 2,
    start_timeout_s: float = 120.0,
) -> Iterator[LlamaServer]:
    """Start `python -m llama_cpp.server` on a free port, wait until /v1/models answers, stop it.

    `alias` is the model name the server answers to (`openai:<alias>` in Askwell).
    `interrupt_requests` is the server's own default (true): a request that arrives while
    another streams cuts that stream short. Off here, so that concurrent requests queue
    at the server, as in production.
    `embedding` loads the model for /v1/embeddings with mean pooling (set through the GGUF
    metadata of its `architecture`): a chat GGUF declares no pooling, and llama.cpp would
    then return one vector per token.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", alias,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads),
        "--interrupt_requests", str(interrupt_requests).lower(),
    ]  # fmt: skip
    if embedding:
        # 1 is LLAMA_POOLING_TYPE_MEAN.
        command += ["--embedding", "true", "--kv_overrides", f"{architecture}.pooling_type=int:1"]
    with running_process(
        command,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        health_url=f"http://127.0.0.1:{port}/v1/models",
        log_path=log_path,
        start_timeout_s=start_timeout_s,
    ) as process:
        yield LlamaServer(process=process, port=port, alias=alias, log_path=log_path)
