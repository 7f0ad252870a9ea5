"""Document frequencies of words, for planning keyword searches (retrieval.term_stats).

SQLite: an fts5vocab table over `chunks_fts` (it reads the index; nothing is stored).
PostgreSQL: a higher statistics target on `search_vector`, so that ANALYZE keeps the
10,000 most common lexemes with their frequencies rather than 1,000.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab('chunks_fts', 'row')")
    else:
        op.execute("ALTER TABLE chunks ALTER COLUMN search_vector SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS chunks_fts_vocab")
    else:
        op.execute("ALTER TABLE chunks ALTER COLUMN search_vector SET STATISTICS -1")
