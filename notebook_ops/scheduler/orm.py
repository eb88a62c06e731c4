"""The store's tables (SQLAlchemy Core). The schema itself is made by the alembic migrations in
``migrations/versions``; a test checks that they and these tables agree.

Times are stored as naive UTC (``UTCDateTime`` converts), so SQLite's text dates compare in order
and any other database gets plain timestamps.
"""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the scheduler store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("target", Text, nullable=False),  # absolute path: notebook, bundle folder or .tar.gz
    Column("workdir", Text, nullable=False),  # the runs' working folder
    Column("cron", String(200), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("parameters", Text, nullable=False),  # JSON {name: value or template}
    Column("catchup", String(8), nullable=False),  # skip | once | all
    Column("overlap", String(8), nullable=False, server_default="queue"),  # queue | skip (0002)
    Column("max_concurrent", Integer, nullable=False),
    Column("timeout_s", Float),
    Column("retries", Integer, nullable=False),
    Column("retry_delay_s", Float, nullable=False),
    Column("webhook", Text),
    Column("paused", Boolean, nullable=False),
    Column("kind", String(8), nullable=False, server_default="cron"),  # cron | trigger (0003)
    Column("source", Text),  # trigger: topic URL (no secrets: see events)
    Column("subscription", String(200)),
    Column("dead_letter_topic", Text),
    Column("alerts", Text, nullable=False, server_default="[]"),  # JSON [{to, on, format}] (0004)
    Column("next_fire_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_schedules_due", "paused", "next_fire_at"),
)

# One row per firing (cron, catch-up, manual or a trigger message), inserted before it runs. A
# retry is a further attempt on the same row, so (schedule, scheduled time) stays unique: no
# firing runs twice.
runs = Table(
    "scheduled_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", Integer, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("trigger", String(8), nullable=False),  # cron | catchup | manual | message
    Column("state", String(16), nullable=False),  # pending running succeeded failed ...
    Column("attempt", Integer, nullable=False),  # attempts started so far
    Column("not_before", UTCDateTime, nullable=False),  # a retry waits for its backoff
    Column("parameters", Text, nullable=False),  # JSON, templates rendered
    Column("message_id", String(200)),  # trigger message (0003); unique per schedule
    Column("owner", String(200)),  # the service holding the lease
    Column("lease_expires_at", UTCDateTime),
    Column("child_pid", Integer),
    Column("run_dir", Text),
    Column("run_id", String(64)),
    Column("exit_code", Integer),
    Column("error", Text),
    Column("mlflow_tracking_uri", Text),
    Column("mlflow_run_id", String(64)),
    Column("metrics", Text),  # JSON, from run.json
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("notified_at", UTCDateTime),
    UniqueConstraint("schedule_id", "scheduled_for", name="uq_run_firing"),
    # a redelivered message (the service stopped between recording and acknowledging) is known
    Index("uq_run_message", "schedule_id", "message_id", unique=True),
    Index("ix_runs_state", "state", "not_before"),
    Index("ix_runs_schedule", "schedule_id", "state"),
)

# Live scheduler services (one row each, heart-beaten) and named locks with an expiry; the
# Jupyter-hosted service takes the "host" lock so only one server hosts a store at a time.
services = Table(
    "services",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # cli | jupyter | api
    Column("workers", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
