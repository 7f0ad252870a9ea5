"""Every table of every domain, imported in one place for Alembic's metadata."""

from askwell.assistants.models import Assistant
from askwell.auth.models import User
from askwell.chat.models import ChatMessage, ChatSession
from askwell.db import Base

metadata = Base.metadata

__all__ = ["Assistant", "ChatMessage", "ChatSession", "User", "metadata"]
