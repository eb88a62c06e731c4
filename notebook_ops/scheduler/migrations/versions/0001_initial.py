"""The first schema: schedules, scheduled runs (one row per firing), services, locks.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("workdir", sa.Text, nullable=False),
        sa.Column("cron", sa.String(200), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("catchup", sa.String(8), nullable=False),
        sa.Column("max_concurrent", sa.Integer, nullable=False),
        sa.Column("timeout_s", sa.Float),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("retry_delay_s", sa.Float, nullable=False),
        sa.Column("webhook", sa.Text),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("next_fire_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_schedules_due", "schedules", ["paused", "next_fire_at"])
    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "schedule_id", sa.Integer, sa.ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("scheduled_for", sa.DateTime, nullable=False),
        sa.Column("trigger", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("not_before", sa.DateTime, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("lease_expires_at", sa.DateTime),
        sa.Column("child_pid", sa.Integer),
        sa.Column("run_dir", sa.Text),
        sa.Column("run_id", sa.String(64)),
        sa.Column("exit_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("mlflow_tracking_uri", sa.Text),
        sa.Column("mlflow_run_id", sa.String(64)),
        sa.Column("metrics", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("notified_at", sa.DateTime),
        sa.UniqueConstraint("schedule_id", "scheduled_for", name="uq_run_firing"),
    )
    op.create_index("ix_runs_state", "scheduled_runs", ["state", "not_before"])
    op.create_index("ix_runs_schedule", "scheduled_runs", ["schedule_id", "state"])
    op.create_table(
        "services",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("workers", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("heartbeat_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("locks")
    op.drop_table("services")
    op.drop_index("ix_runs_schedule", "scheduled_runs")
    op.drop_index("ix_runs_state", "scheduled_runs")
    op.drop_table("scheduled_runs")
    op.drop_index("ix_schedules_due", "schedules")
    op.drop_table("schedules")
