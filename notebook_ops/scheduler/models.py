"""The scheduler's shapes: plain data classes shared by the store, the service, the CLI and REST.

``to_dict()`` gives JSON-ready dicts (times as ISO 8601 UTC strings) for the faces.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import get_args

from notebook_ops.model.contracts.schedules import (
    CATCHUP,
    KINDS,
    OVERLAP,
    RunState,
    ScheduleError,
    ScheduleSpec,
)

__all__ = [
    "ACTIVE_STATES",
    "CATCHUP",
    "FINAL_STATES",
    "KINDS",
    "OVERLAP",
    "RETRYABLE_STATES",
    "RUN_FIELDS",
    "SCHEDULE_FIELDS",
    "Schedule",
    "ScheduledRun",
    "TRIGGERS",
]

TRIGGERS = ("cron", "catchup", "manual", "message")
# A run row's life: pending -> running -> one final state; a retry goes back to pending.
ACTIVE_STATES = ("pending", "running")
FINAL_STATES = tuple(s for s in get_args(RunState) if s not in ACTIVE_STATES)  # the contract lists them
RETRYABLE_STATES = ("failed", "timed_out")


def plain(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return value


@dataclass
class Schedule(ScheduleSpec):
    """A stored schedule: its spec (the one shape check: ``check()``) and the store's fields."""

    next_fire_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None

    @property
    def stored_id(self) -> int:
        """The store's id: every schedule read from the store has one."""
        if self.id is None:
            raise ValueError(f"schedule {self.name!r} is not stored")
        return self.id

    def listens_on(self) -> tuple[str, str]:
        """A trigger schedule's (source URL, subscription): ``check()`` makes sure both are set."""
        if not self.source or not self.subscription:
            raise ScheduleError(f"schedule {self.name!r}: a trigger needs a source and a subscription")
        return self.source, self.subscription

    def to_dict(self) -> dict:
        return {k: plain(v) for k, v in asdict(self).items()}


@dataclass
class ScheduledRun:
    """One firing of a schedule and its (last) attempt."""

    schedule_id: int
    scheduled_for: datetime
    trigger: str = "cron"
    state: str = "pending"
    attempt: int = 0
    not_before: datetime | None = None
    parameters: dict = field(default_factory=dict)
    message_id: str | None = None  # the trigger message this firing came from
    owner: str | None = None
    lease_expires_at: datetime | None = None
    child_pid: int | None = None
    run_dir: str | None = None
    run_id: str | None = None
    exit_code: int | None = None
    error: str | None = None
    mlflow_tracking_uri: str | None = None
    mlflow_run_id: str | None = None
    metrics: dict = field(default_factory=dict)
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    notified_at: datetime | None = None
    id: int | None = None
    schedule_name: str | None = None

    @property
    def stored_id(self) -> int:
        """The store's id: every run row read from the store has one."""
        if self.id is None:
            raise ValueError("this run row is not stored")
        return self.id

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict:
        d = {k: plain(v) for k, v in asdict(self).items()}
        if self.started_at and self.finished_at:
            d["duration_s"] = round((self.finished_at - self.started_at).total_seconds(), 3)
        if self.started_at:
            d["late_s"] = round((self.started_at - self.scheduled_for).total_seconds(), 3)
        return d


RUN_FIELDS = tuple(f.name for f in fields(ScheduledRun) if f.name != "schedule_name")
SCHEDULE_FIELDS = tuple(f.name for f in fields(Schedule))
