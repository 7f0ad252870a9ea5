"""Keyword index without Porter stemming (SQLite).

Measured on the docs-devset: stemming merged words like "limits" with the SQL keyword
LIMIT and cost hybrid nDCG@10 0.517 -> 0.555 without it (bench/RESULTS.md, retrieval).
The FTS5 table is rebuilt from `chunks`, which stays the source of the text.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TRIGGERS = ("chunks_fts_insert", "chunks_fts_delete", "chunks_fts_update")


def _create(tokenize: str) -> None:
    op.execute(
        "CREATE VIRTUAL TABLE chunks_fts USING fts5(content, headings, content='chunks', "
        f"content_rowid='id', tokenize='{tokenize}')"
    )
    op.execute(
        "CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN "
        "INSERT INTO chunks_fts(rowid, content, headings) VALUES (new.id, new.content, new.headings); END"
    )
    op.execute(
        "CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN "
        "INSERT INTO chunks_fts(chunks_fts, rowid, content, headings) "
        "VALUES ('delete', old.id, old.content, old.headings); END"
    )
    op.execute(
        "CREATE TRIGGER chunks_fts_update AFTER UPDATE OF content, headings ON chunks BEGIN "
        "INSERT INTO chunks_fts(chunks_fts, rowid, content, headings) "
        "VALUES ('delete', old.id, old.content, old.headings); "
        "INSERT INTO chunks_fts(rowid, content, headings) VALUES (new.id, new.content, new.headings); END"
    )
    op.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")


def _drop() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS chunks_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop()
        _create("unicode61 remove_diacritics 2")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop()
        _create("porter unicode61 remove_diacritics 2")
