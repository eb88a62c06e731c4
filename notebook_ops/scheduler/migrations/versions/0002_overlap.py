"""Schedules get an overlap policy: "queue" (a firing waits for the running one; as before) or
"skip" (a firing that comes while the schedule's runs are all busy is recorded as skipped).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("overlap", sa.String(8), nullable=False, server_default="queue"))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("overlap")
