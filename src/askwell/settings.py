"""One Settings object for the whole service, read from ASKWELL_* environment variables.

Every setting has an embedded default that works on a fresh machine: SQLite in the data
folder, in-process memory, no external service.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_FRAME_ANCESTOR = re.compile(r"'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Settings(BaseSettings):
    """Askwell configuration; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="ASKWELL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"), description="Folder for the embedded database, keys and models."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; unset means SQLite in the data folder.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for conversation memory; unset means in process."
    )

    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; none by default."
    )
    frame_ancestors: list[str] = Field(
        default_factory=list,
        description=(
            "Origins allowed to show Askwell's pages in a frame (an embedded chat); none by "
            "default, so no other site can frame the app (clickjacking)."
        ),
    )

    web_dir: Path | None = Field(
        default=None,
        description="The built web app (index.html, widget.js); default: web/dist of this checkout.",
    )

    secret_key: SecretStr | None = Field(
        default=None, description="JWT signing key; unset means a random key kept in the data folder."
    )
    credentials_key: SecretStr | None = Field(
        default=None, description="Encrypts connector credentials; default: derived from the signing key."
    )
    access_token_minutes: int = Field(default=60 * 12, ge=1)
    allow_registration: bool = True
    first_user_is_admin: bool = Field(
        default=True, description="The first account registered on an empty instance becomes admin."
    )

    default_model: str = Field(
        default="local:qwen2.5-coder-1.5b", description='Chat model, "provider:model".'
    )
    models_dir: Path | None = Field(
        default=None, description="Local model files; default: <data_dir>/models."
    )
    local_context_size: int = Field(default=4096, ge=512, description="llama.cpp context window (tokens).")
    local_threads: int = Field(default=0, ge=0, description="llama.cpp threads; 0 means one per core.")
    local_queue_size: int = Field(default=16, ge=1, description="Chats waiting for the local model.")
    warm_up: bool = Field(
        default=True,
        description="`askwell serve` loads the default chat model and the embedder in the background "
        "at start-up, so that the first chat does not wait seconds for the weights.",
    )
    local_prompt_cache_mb: int = Field(
        default=256,
        ge=0,
        description="RAM for saved llama.cpp prompt states (0: off). The SQL route's schema "
        "prompt survives the answer call in between, so its next question re-reads only the tail.",
    )
    local_passages: int = Field(
        default=3,
        ge=1,
        le=50,
        description="Document passages a model with a small context window (the local models) reads "
        "per answer: the top ones in rank order. Remote models read every passage retrieved.",
    )
    local_passage_tokens: int = Field(
        default=400,
        ge=0,
        description="Tokens of those passages together: each is trimmed to the sentences around the "
        "question's terms (code blocks whole). A CPU reads about 150 prompt tokens a second, so this "
        "sets the local model's time to the first token; 0: passages whole, as many as the window holds.",
    )
    function_models: bool = Field(
        default=False,
        description='Allow "function:module:name" chat models, which import and run that code '
        "(tests and benchmarks only).",
    )
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    model_timeout_s: float = Field(default=120.0, gt=0)
    max_answer_tokens: int = Field(default=1024, ge=16)
    temperature: float = Field(
        default=0.1, ge=0, le=2, description="Sampling temperature; low keeps answers grounded."
    )
    openai_connect_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Connecting to an OpenAI-compatible server; after that ASKWELL_MODEL_TIMEOUT_S "
        "bounds each wait for data, so a long answer that keeps streaming never times out.",
    )
    openai_max_concurrency: int = Field(
        default=4,
        ge=1,
        description="Requests this process keeps in flight to one OpenAI-compatible server "
        "(chat streams and embedding batches together).",
    )
    openai_queue_timeout_s: float = Field(
        default=10.0,
        ge=0,
        description="How long a request waits for one of those slots before it is refused as busy "
        "(0: refuse at once).",
    )
    openai_embedding_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server for openai: embedders; default: ASKWELL_OPENAI_BASE_URL.",
    )

    embedding_model: str = Field(
        default="local:all-minilm-l6-v2", description='Embedding model, "provider:model".'
    )
    embedding_batch_size: int = Field(
        default=8, ge=1, le=1024, description="Local embedder batch; 8 measured best on 2 cores."
    )
    openai_embedding_batch_size: int = Field(default=128, ge=1, le=2048)
    embedding_threads: int = Field(default=0, ge=0, description="Inference threads; 0 means one per core.")

    # Rerankers (askwell.rerankers): an assistant turns one on with its retrieval settings'
    # `reranker` ("http:<model>"); these say where the http: back-end's server is.
    reranker_base_url: str | None = Field(
        default=None,
        description="Server of http: rerankers; Askwell POSTs to <url>/rerank (e.g. http://127.0.0.1:8080 "
        "for llama.cpp's server with --reranking, or a vLLM, TEI, Jina or Cohere v2 base URL). "
        "Unset: no reranker can run, and searches keep the fused order.",
    )
    reranker_api_key: SecretStr | None = Field(
        default=None, description="Sent as `Authorization: Bearer <key>` to the reranker server."
    )
    reranker_format: Literal["rerank", "tei"] = Field(
        default="rerank",
        description='Request body: "rerank" {model, query, documents, top_n} (Jina, Cohere v2, vLLM, '
        'llama.cpp); "tei" {query, texts} (Text Embeddings Inference). Both answers are understood.',
    )
    reranker_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Longest wait for one rerank answer; past it the search keeps the fused order.",
    )

    max_upload_mb: int = Field(default=50, ge=1, description="Largest accepted upload, per file.")
    # Bounds on parsing one upload (askwell.documents.parsing.ParseLimits): a hostile file fails
    # with a reason instead of taking the worker's memory.
    parse_max_uncompressed_mb: int = Field(
        default=200, ge=1, description="Largest inflated size of a zip-based file (DOCX), all parts."
    )
    parse_max_compression_ratio: int = Field(
        default=100, ge=2, description="Highest inflated/compressed ratio of a DOCX over 1 MB inflated."
    )
    parse_max_zip_members: int = Field(default=10_000, ge=10, description="Most parts in a DOCX archive.")
    parse_max_pages: int = Field(default=5000, ge=1, description="Most pages of a PDF or frames of a TIFF.")
    parse_max_image_megapixels: int = Field(
        default=60, ge=1, description="Largest image (or scan page) read by OCR; 60 holds A4 at 600 dpi."
    )
    ocr_engine: Literal["rapidocr", "none"] = Field(
        default="rapidocr",
        description="OCR for scanned PDF pages and PNG/JPEG/TIFF uploads; none: images fail, scans skipped.",
    )
    # Where uploaded files' bytes live (askwell.files): workers on other machines need
    # "database" or "s3"; "local" is a folder every process must see.
    file_store: str = Field(
        default="local",
        description='"local": a folder (ASKWELL_FILE_STORE_DIR); "database": in the Askwell database; '
        '"s3": an S3-compatible bucket (ASKWELL_S3_*).',
    )
    file_store_dir: Path | None = Field(
        default=None, description="The local store's folder; default: <data_dir>/uploads."
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (MinIO, Ceph, Garage...); unset: AWS S3."
    )
    s3_bucket: str | None = Field(default=None, description="The bucket (it must exist).")
    s3_prefix: str = Field(default="", description='Key prefix inside the bucket, e.g. "askwell/".')
    s3_region: str | None = Field(default=None, description="Region; unset: boto3's default.")
    s3_access_key_id: SecretStr | None = Field(
        default=None, description="Access key; unset: boto3's credential chain (AWS_* variables, a role)."
    )
    s3_secret_access_key: SecretStr | None = None
    chunk_tokens: int = Field(default=200, ge=32, le=2048, description="Chunk size in embedder tokens.")
    chunk_overlap: int = Field(default=40, ge=0, le=512, description="Tokens repeated between chunks.")
    sql_max_rows: int = Field(default=1000, ge=1, le=100_000, description="LIMIT imposed on generated SQL.")
    sql_timeout_s: float = Field(default=15.0, gt=0, le=600, description="Time limit of one generated query.")
    sql_retries: int = Field(
        default=2, ge=0, le=5, description="Regenerations after a parse, guard or DB error."
    )
    sql_sqlite_allowed_dirs: list[Path] = Field(
        default_factory=list,
        description="Folders SQLite connectors may read files from (symlinks followed); "
        "empty: the data folder. Askwell's own database is refused wherever it is.",
    )
    ingest_workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Jobs run at once: by the embedded queue, or per `askwell worker`.",
    )

    # Background jobs (ingestion, schema snapshots): durable rows in the database, carried by
    # the embedded queue or a Redis stream; see jobs/setup.py.
    jobs_backend: Literal["inprocess", "redis"] = Field(
        default="inprocess",
        description='"inprocess": `askwell serve` runs jobs itself; "redis": on ASKWELL_REDIS_URL, '
        "run by `askwell worker` processes.",
    )
    jobs_queue: str = Field(
        default="askwell:jobs",
        min_length=1,
        max_length=100,
        description="The Redis stream of the job queue (one per Askwell installation sharing a Redis).",
    )
    job_max_attempts: int = Field(
        default=5, ge=1, le=50, description="Tries of a job that fails transiently."
    )
    job_retry_base_s: float = Field(
        default=2.0, gt=0, description="First retry delay; it doubles with each attempt (at most 5 min)."
    )
    job_heartbeat_s: float = Field(
        default=5.0, gt=0, description="How often a running job proves it is alive."
    )
    job_stale_after_s: float = Field(
        default=30.0, gt=0, description="A running job without a heartbeat this long is run again elsewhere."
    )
    job_reconcile_s: float = Field(
        default=10.0, gt=0, description="How often workers look for jobs the queue lost."
    )
    job_resend_after_s: float = Field(
        default=300.0, gt=0, description="A queued job sent this long ago and not yet taken is sent again."
    )

    memory_turns: int = Field(default=10, ge=0, description="Messages of short-term memory fed to the model.")
    memory_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    memory_max_sessions: int = Field(default=10_000, ge=1, description="In-process memory bound (LRU).")
    redis_timeout_s: float = Field(default=0.5, gt=0)

    # Rate limits (askwell.ratelimit): counted in Redis when ASKWELL_REDIS_URL is set (shared by
    # every API process), in process memory otherwise. Each is the `limits` notation: a count
    # per period, several joined by ";" ("5/minute;100/hour"); "" turns that one off.
    rate_limits_enabled: bool = Field(default=True, description="Master switch of every rate limit.")
    rate_limit_chat_user: str = Field(
        default="30/minute", description="Chat messages per signed-in user (a person sends a few a minute)."
    )
    rate_limit_chat_ip: str = Field(
        default="30/minute", description="Chat messages per client IP, for anonymous callers."
    )
    rate_limit_chat_assistant: str = Field(
        default="120/minute", description="Chat messages to one assistant, from everyone together."
    )
    rate_limit_upload_user: str = Field(
        default="1000/hour",
        description="Upload requests per user; the web app sends one per file, so a dropped folder "
        "of many files must fit.",
    )
    rate_limit_login_ip: str = Field(default="20/minute", description="Login attempts per client IP.")
    rate_limit_login_account: str = Field(
        default="5/minute", description="Login attempts per submitted account name, from anywhere."
    )
    rate_limit_register_ip: str = Field(default="10/minute", description="Sign-ups per client IP.")
    rate_limit_api_key: str = Field(
        default="60/minute",
        description="Requests per API key (chat, search and /v1 together); a key is a program, "
        "so it gets more than a person but still cannot flood the model.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="Peers (addresses or networks) whose X-Forwarded-For names the client IP.",
    )

    @field_validator(
        "rate_limit_chat_user",
        "rate_limit_chat_ip",
        "rate_limit_chat_assistant",
        "rate_limit_upload_user",
        "rate_limit_login_ip",
        "rate_limit_login_account",
        "rate_limit_register_ip",
        "rate_limit_api_key",
    )
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        from askwell.ratelimit import parse_limit  # imports `limits`: only when settings are built

        parse_limit(value)
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: list[str]) -> list[str]:
        from askwell.ratelimit import parse_networks

        parse_networks(value)
        return [v.strip() for v in value]

    @field_validator("frame_ancestors")
    @classmethod
    def _check_frame_ancestors(cls, value: list[str]) -> list[str]:
        # Each entry lands in a Content-Security-Policy header: a `;` or a space would let a
        # typo (or a hostile value) add directives, so only plain origins pass.
        for origin in value:
            if not _FRAME_ANCESTOR.fullmatch(origin.strip()):
                raise ValueError(
                    f"frame_ancestors: {origin!r} is not an origin such as https://intranet.example.com"
                )
        return [v.strip() for v in value]

    # Operations: logs, readiness, metrics (askwell.ops).
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text, or as one JSON object each (with the request id)."
    )
    ready_timeout_s: float = Field(
        default=2.0, gt=0, le=30, description="Time limit of each /readyz check (database, Redis, ...)."
    )
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, /metrics needs `Authorization: Bearer <token>`; unset, it answers "
        "only to loopback clients.",
    )
    log_level: str = "INFO"

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'askwell.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own Settings instead)."""
    return Settings()
