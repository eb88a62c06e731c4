"""Schedules: what a schedule is (``ScheduleSpec``, checked here and only here for its shape),
how the faces show one (``ScheduleView``) and its firings (``ScheduledRunView``).

The scheduler adds what needs the world (the cron text through croniter, the zone, the target
and its parameters, the webhook URL, the topic URL) in ``scheduler.api.validate``, which starts
with ``ScheduleSpec.check``; the CLI, the REST API and the widgets all go through that one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from notebook_ops.model.contracts.base import Contract, ContractError

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
Kind = Literal["cron", "trigger"]  # fired by a clock, or by messages on a topic
Catchup = Literal["skip", "once", "all"]
Overlap = Literal["queue", "skip"]
KINDS: tuple[str, ...] = get_args(Kind)
CATCHUP: tuple[str, ...] = get_args(Catchup)
OVERLAP: tuple[str, ...] = get_args(Overlap)
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


@dataclass
class ScheduledRunView(Contract):
    """One firing of a schedule and its (last) attempt; times are ISO 8601 UTC."""

    schedule_id: int
    scheduled_for: str
    trigger: Literal["cron", "catchup", "manual", "message"] = "cron"
    state: RunState = "pending"
    attempt: int = 0
    not_before: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    owner: str | None = None
    lease_expires_at: str | None = None
    child_pid: int | None = None
    run_dir: str | None = None
    run_id: str | None = None
    exit_code: int | None = None
    error: str | None = None
    mlflow_tracking_uri: str | None = None
    mlflow_run_id: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    notified_at: str | None = None
    id: int | None = None
    schedule_name: str | None = None
    duration_s: float | None = None  # once started and finished
    late_s: float | None = None  # once started: how long after scheduled_for
    OMITTED_WHEN_NONE = ("duration_s", "late_s")


@dataclass
class ScheduleView(ScheduleSpec):
    """A stored schedule as the API returns it (the REST API leaves out ``workdir``: a path
    on the server's disk)."""

    workdir: str | None = "."  # type: ignore[assignment]  # None: left out (REST)
    id: int | None = None
    next_fire_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    upcoming: list[str] = field(default_factory=list)
    last_run: ScheduledRunView | None = None
    recent_runs: list[ScheduledRunView] | None = None  # one schedule asked for by name
    subscribed: bool | None = None  # trigger kind, just added: the broker answered
    OMITTED_WHEN_NONE = ("recent_runs", "subscribed", "workdir")
