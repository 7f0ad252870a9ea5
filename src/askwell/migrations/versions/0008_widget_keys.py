"""Widget keys: an API key's kind, and the origins a widget key may be used from.

A widget key is public by nature (it sits in a web page's source), so it is limited to
chat and to the origins its admin lists. Existing keys are server keys with no origins.

Revision ID: 0008_widget
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from askwell.db import JSONType

revision = "0008_widget"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("kind", sa.String(16), nullable=False, server_default="server"))
    op.add_column("api_keys", sa.Column("allowed_origins", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("allowed_origins")
        batch.drop_column("kind")
