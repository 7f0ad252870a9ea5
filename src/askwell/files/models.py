"""The database file store's tables: one row per stored file, its bytes in ~1 MB chunk rows.

Chunks belong to a file row (by id), not to its key, so replacing a key's file is one swap
of keys in a transaction: readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from askwell.db import Base, UTCDateTime, utcnow


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # "<document id>/<file name>"; ".incoming/<id>" while the file is being written.
    key: Mapped[str] = mapped_column(String(1024), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoredFileChunk(Base):
    __tablename__ = "stored_file_chunks"

    file_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, ... in file order
    data: Mapped[bytes] = mapped_column(LargeBinary)
