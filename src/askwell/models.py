"""Every table of every domain, imported in one place for Alembic's metadata."""

from askwell.apikeys.models import ApiKey, ApiKeySession
from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.chat.models import ChatMessage, ChatSession, MessageFeedback
from askwell.connectors.models import Connector
from askwell.db import Base
from askwell.documents.models import Chunk, Document
from askwell.evaluation.models import EvalResult, EvalRun, EvalSet
from askwell.files.models import StoredFile, StoredFileChunk
from askwell.jobs.models import Job

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "ApiKeySession",
    "Assistant",
    "ChatMessage",
    "ChatSession",
    "Chunk",
    "Connector",
    "Document",
    "EvalResult",
    "EvalRun",
    "EvalSet",
    "Job",
    "MessageFeedback",
    "StoredFile",
    "StoredFileChunk",
    "User",
    "metadata",
]
