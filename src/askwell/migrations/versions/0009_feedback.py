"""Feedback on bot messages: a thumbs up or down and an optional comment, one per message.

Revision ID: 0009_feedback
Revises: 0008_widget
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from askwell.db import UTCDateTime

revision = "0009_feedback"
down_revision = "0008_widget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_feedback",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.String(4), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["chat_messages.id"],
            name=op.f("fk_message_feedback_message_id_chat_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.id"],
            name=op.f("fk_message_feedback_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistants.id"],
            name=op.f("fk_message_feedback_assistant_id_assistants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_feedback")),
    )
    op.create_index(op.f("ix_message_feedback_session_id"), "message_feedback", ["session_id"])
    op.create_index(op.f("ix_message_feedback_assistant_id"), "message_feedback", ["assistant_id"])
    op.create_index(op.f("ix_message_feedback_updated_at"), "message_feedback", ["updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_feedback_updated_at"), table_name="message_feedback")
    op.drop_index(op.f("ix_message_feedback_assistant_id"), table_name="message_feedback")
    op.drop_index(op.f("ix_message_feedback_session_id"), table_name="message_feedback")
    op.drop_table("message_feedback")
