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
    "run.started",
    "step.started",
    "step.finished",
    "run.finished",
    "bundle.exported",
    "schedule.fired",
    "model.promoted",
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


@dataclass
class ModelPromotedData(Contract):
    """A registered model version pointed at an alias (``models promote``, or the pipeline's
    ``promote`` setting after a run): who, when, from which run, why and the gate's verdict."""

    model: str
    version: int
    alias: str
    previous_version: int | None  # the alias's version before (None: the alias is new)
    by: str  # the user who promoted it (the runner's user for the setting)
    at: str  # ISO 8601, UTC
    run_id: str | None  # the notebook-ops run that made the version (None: logged outside a run)
    mlflow_run_id: str | None  # the step's MLflow run the version's files come from
    why: str
    gate: Literal["passed", "forced"]  # forced: promoted with --force although the gate refused
    checks: list[str]  # the gate's reasons, with the numbers
    origin: Literal["manual", "setting"]  # a person (CLI, lab) or the pipeline's promote setting
    tracking_uri: str  # the registry (credentials masked)


DATA_BY_TYPE: dict[str, type[Contract]] = {
    "run.started": RunStartedData,
    "step.started": StepStartedData,
    "step.finished": StepFinishedData,
    "run.finished": RunFinishedData,
    "bundle.exported": BundleExportedData,
    "schedule.fired": ScheduleFiredData,
    "model.promoted": ModelPromotedData,
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
        | ModelPromotedData
    )
