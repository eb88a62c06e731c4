"""Trigger schedules: a schedule of kind "trigger" fires on messages from a topic (``source``,
``subscription``, ``dead_letter_topic``) instead of a cron clock; each firing records the message
it came from (unique per schedule, so a redelivered message is never run twice).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="cron"))
        batch.add_column(sa.Column("source", sa.Text))
        batch.add_column(sa.Column("subscription", sa.String(200)))
        batch.add_column(sa.Column("dead_letter_topic", sa.Text))
    with op.batch_alter_table("scheduled_runs") as batch:
        batch.add_column(sa.Column("message_id", sa.String(200)))
        batch.create_index("uq_run_message", ["schedule_id", "message_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_runs") as batch:
        batch.drop_index("uq_run_message")
        batch.drop_column("message_id")
    with op.batch_alter_table("schedules") as batch:
        for col in ("dead_letter_topic", "subscription", "source", "kind"):
            batch.drop_column(col)
