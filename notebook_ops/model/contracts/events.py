"""The ``data`` of each event type (schema version 1), as ``notebook_ops.events.envelope``
builds them from the run record, an export or a schedule firing.

The published schema (``notebook_ops/events/schema/event.schema.json``: the envelope, and the
data chosen by ``type``) stays the versioned document consumers validate against; a test holds
these classes and its ``$defs`` to the same fields, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from notebook_ops.model.contracts.base import Contract
from notebook_ops.model.contracts.runs import GitInfo, StepStatus, TargetResult

EventType = Literal[
    "run.started", "step.started", "step.finished", "run.finished", "bundle.exported", "schedule.fired"
]


@dataclass
class RunStartedData(Contract):
    parameters: dict[str, Any]
    steps: list[str]
    mode: Literal["pipeline", "bundle"]
    source: str | None
    run_dir: str
    git: GitInfo | None
    notebook_hash: str | None
    tags: dict[str, str]


@dataclass
class StepStartedData(Contract):
    step: str
    attempt: int


@dataclass
class StepFinishedData(Contract):
    step: str
    status: StepStatus
    duration_s: float | None
    cached: bool
    attempts: int
    error: str | None
    metrics: dict[str, Any]


@dataclass
class RunFinishedData(Contract):
    status: Literal["succeeded", "failed", "below_target", "cancelled"]
    duration_s: float | None
    metrics: dict[str, Any]
    targets: list[TargetResult]
    below_target: list[str]  # metrics that missed their target
    steps: dict[str, StepStatus]
    error: str | None
    run_dir: str
    mlflow_run_id: str | None  # None while MLflow is still being written


@dataclass
class BundleExportedData(Contract):
    name: str
    version: int
    reused: bool
    commit: str | None
    tag: str | None
    folder: str
    archive: str
    content_sha256: str
    dirty: bool | None = None


@dataclass
class ScheduleFiredData(Contract):
    schedule_id: int | str
    target: str
    scheduled_for: str | None
    parameters: dict[str, Any]
    run_id: str | None
    kind: Literal["cron", "trigger"] = "cron"
    name: str | None = None
    attempt: int | None = None
    run_dir: str | None = None
    message_id: str | None = None  # kind trigger: the message that fired it
    OMITTED_WHEN_NONE = ("name", "attempt", "run_dir", "message_id")  # only when known


DATA_BY_TYPE: dict[str, type[Contract]] = {
    "run.started": RunStartedData,
    "step.started": StepStartedData,
    "step.finished": StepFinishedData,
    "run.finished": RunFinishedData,
    "bundle.exported": BundleExportedData,
    "schedule.fired": ScheduleFiredData,
}


@dataclass
class Producer(Contract):
    host: str
    pid: int
    notebook_ops_version: str


@dataclass
class EventData(Contract):
    """The envelope with its data by type (for generated client types; consumers validate
    against the published schema)."""

    schema_version: Literal[1]
    id: str
    type: EventType
    time: str
    pipeline: str | None
    run_id: str | None
    seq: int
    producer: Producer
    data: (
        RunStartedData
        | StepStartedData
        | StepFinishedData
        | RunFinishedData
        | BundleExportedData
        | ScheduleFiredData
    )
