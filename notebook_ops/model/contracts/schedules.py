"""Schedules, one definition for the store, the service, the CLI and REST: what a schedule is
(``ScheduleSpec``, checked here and only here for its shape), a stored one (``Schedule``) and its
firings (``ScheduledRun``), and how the faces show them (``ScheduleView``, ``ScheduledRunView``:
the stored ones plus what is worked out for display). Times are aware UTC ``datetime`` objects
here and ISO 8601 UTC strings in JSON (``base``).

The scheduler adds what needs the world (the cron text through croniter, the zone, the target
and its parameters, the webhook URL, the topic URL) in ``scheduler.api.validate``, which starts
with ``ScheduleSpec.check``; the CLI, the REST API and the widgets all go through that one call.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from notebook_ops.model.contracts.alerts import AlertSpec
from notebook_ops.model.contracts.base import Contract, ContractError

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
Kind = Literal["cron", "trigger"]  # fired by a clock, or by messages on a topic
Catchup = Literal["skip", "once", "all"]
Overlap = Literal["queue", "skip"]
KINDS: tuple[str, ...] = get_args(Kind)
CATCHUP: tuple[str, ...] = get_args(Catchup)
OVERLAP: tuple[str, ...] = get_args(Overlap)
Trigger = Literal["cron", "catchup", "manual", "message"]  # what made a firing
TRIGGERS: tuple[str, ...] = get_args(Trigger)
RunState = Literal[
    "pending",
    "running",
    "succeeded",
    "failed",
    "below_target",
    "cancelled",
    "timed_out",
    "missed",
    "skipped",
    "rejected",
]
# A run row's life: pending -> running -> one final state; a retry goes back to pending.
ACTIVE_STATES = ("pending", "running")
FINAL_STATES = tuple(s for s in get_args(RunState) if s not in ACTIVE_STATES)
RETRYABLE_STATES = ("failed", "timed_out")


class ScheduleError(ContractError):
    """A schedule that cannot be accepted: invalid cron, zone, parameter, policy or target (400).
    The scheduler raises it too (``notebook_ops.scheduler.schedule_errors`` re-exports it)."""


@dataclass
class ScheduleSpec(Contract):
    name: str
    target: str
    cron: str = ""  # cron kind: 5 fields or @daily
    tz: str = "UTC"
    parameters: dict[str, Any] = field(default_factory=dict)
    catchup: Catchup = "once"
    max_concurrent: int = 1
    overlap: Overlap = "queue"
    timeout_s: float | None = None
    retries: int = 0
    retry_delay_s: float = 30.0
    webhook: str | None = None
    paused: bool = False
    workdir: str = "."
    kind: Kind = "cron"
    source: str | None = None  # trigger kind: the topic URL (pulsar://host:port/topic)
    subscription: str | None = None  # trigger kind: the shared subscription's name
    dead_letter_topic: str | None = None  # trigger kind: where rejected messages go
    alerts: list[AlertSpec] = field(default_factory=list)  # who is told of failures, misses, promotions

    def check(self) -> None:
        """The shape: names, policies, limits (no file, clock or network is looked at)."""
        if not isinstance(self.name, str) or not NAME.match(self.name) or self.name.isdigit():
            raise ScheduleError(
                f"bad schedule name {self.name!r}", hint="letters, digits, _ . - (up to 100), not only digits"
            )
        if self.kind not in KINDS:
            raise ScheduleError(f"schedule kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.kind == "trigger":
            if not self.source:
                raise ScheduleError(
                    "a trigger schedule needs a source URL",
                    hint="e.g. --trigger pulsar://broker:6650/new-data",
                )
            if not self.subscription or not NAME.match(self.subscription):
                raise ScheduleError(
                    f"bad subscription name {self.subscription!r}", hint="letters, digits, _ . - (up to 100)"
                )
        if self.catchup not in CATCHUP:
            raise ScheduleError(f"catch-up policy {self.catchup!r}: use one of {', '.join(CATCHUP)}")
        if self.overlap not in OVERLAP:
            raise ScheduleError(f"overlap policy {self.overlap!r}: use one of {', '.join(OVERLAP)}")
        if int(self.max_concurrent) < 1:
            raise ScheduleError("max concurrent runs must be at least 1")
        if self.timeout_s is not None and float(self.timeout_s) <= 0:
            raise ScheduleError("timeout must be a positive number of seconds")
        if int(self.retries) < 0 or float(self.retry_delay_s) < 0:
            raise ScheduleError("retries and retry delay cannot be negative")
        if not isinstance(self.parameters, dict):
            raise ScheduleError("parameters must be a mapping of name to value")
        for i, alert in enumerate(self.alerts):
            try:
                alert.check()
            except ContractError as exc:
                raise ScheduleError(f"alerts[{i}]: {exc.message}", hint=exc.hint) from None


@dataclass
class Schedule(ScheduleSpec):
    """A stored schedule: its spec and the store's fields."""

    id: int | None = None
    next_fire_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

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


@dataclass
class ScheduledRun(Contract):
    """One firing of a schedule and its (last) attempt, as the store keeps it."""

    schedule_id: int
    scheduled_for: datetime
    trigger: Trigger = "cron"
    state: RunState = "pending"
    attempt: int = 0
    not_before: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
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
    metrics: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    notified_at: datetime | None = None
    id: int | None = None
    schedule_name: str | None = None  # joined in when listed, not a column

    @property
    def stored_id(self) -> int:
        """The store's id: every run row read from the store has one."""
        if self.id is None:
            raise ValueError("this run row is not stored")
        return self.id

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def view(self) -> ScheduledRunView:
        """The firing as the faces show it: with how long it took and how late it started."""
        started, finished = self.started_at, self.finished_at
        return ScheduledRunView(
            **{name: getattr(self, name) for name in RUN_VIEW_FIELDS},
            duration_s=round((finished - started).total_seconds(), 3) if started and finished else None,
            late_s=round((started - self.scheduled_for).total_seconds(), 3) if started else None,
        )


@dataclass
class ScheduledRunView(ScheduledRun):
    """One firing of a schedule and its (last) attempt; times are ISO 8601 UTC."""

    duration_s: float | None = None  # once started and finished
    late_s: float | None = None  # once started: how long after scheduled_for
    OMITTED_WHEN_NONE = ("duration_s", "late_s")


@dataclass
class ScheduleView(Schedule):
    """A stored schedule as the API returns it (the REST API leaves out ``workdir``: a path
    on the server's disk)."""

    workdir: str | None = "."  # type: ignore[assignment]  # None: left out (REST)
    upcoming: list[datetime] = field(default_factory=list)
    last_run: ScheduledRunView | None = None
    recent_runs: list[ScheduledRunView] | None = None  # one schedule asked for by name
    subscribed: bool | None = None  # trigger kind, just added: the broker answered
    OMITTED_WHEN_NONE = ("recent_runs", "subscribed", "workdir")

    @classmethod
    def of(cls, s: Schedule, **shown) -> ScheduleView:
        """``s`` with what the faces show besides (``upcoming``, ``last_run``, ...)."""
        return cls(**{name: getattr(s, name) for name in SCHEDULE_FIELDS}, **shown)


# the store's columns (``scheduler.database`` reads and writes exactly these)
SCHEDULE_FIELDS = tuple(f.name for f in dataclasses.fields(Schedule))
RUN_FIELDS = tuple(f.name for f in dataclasses.fields(ScheduledRun) if f.name != "schedule_name")
RUN_VIEW_FIELDS = tuple(f.name for f in dataclasses.fields(ScheduledRun))
