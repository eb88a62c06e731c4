"""Alerts per schedule: ``alerts``, a JSON list of ``{to, on, format}`` (webhooks and mailto:
destinations, and the conditions each is told of); existing schedules get none (their
``webhook`` keeps working as before).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("alerts", sa.Text, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("alerts")
