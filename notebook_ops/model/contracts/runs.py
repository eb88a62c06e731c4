"""The run record (``run.json``), its step records and the runner's progress events.

``run.json`` is written by the runner (atomically, on every change) and read by every face: the
CLI's ``runs``, the scheduler (a run's outcome), the Jupyter server (``runs/{id}``), the widgets
and the lab. This module is its one definition; ``schema/run-record.schema.json`` is generated
from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

from notebook_ops.model.contracts.base import Contract

RunStatus = Literal["running", "succeeded", "failed", "below_target", "cancelled"]
StepStatus = Literal["pending", "running", "succeeded", "failed", "skipped", "cancelled"]
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
# a listing also shows a run folder whose run.json cannot be read (execution/runfolder.py)
ListedStatus = Literal["running", "succeeded", "failed", "below_target", "cancelled", "unreadable"]
FINAL_STATUSES = ("succeeded", "failed", "below_target", "cancelled")
DONE_STATUSES = ("succeeded", "below_target")  # a run that did its work
EXIT_CODES = {"succeeded": 0, "failed": 1, "below_target": 3, "cancelled": 130}
RUN_JSON = "run.json"


@dataclass
class Observed(Contract):
    """What a step's code actually did, seen in its kernel (audit hooks) and by a before/after
    look at the project's files. Paths are project-relative, POSIX; lists sorted, no repeats.
    Export reads the latest successful run's observation of the same code (``code_sha256``)."""

    code_sha256: str = ""  # the step's code as run (setup + step cells)
    reads: list[str] = field(default_factory=list)  # files under the project read
    writes: list[str] = field(default_factory=list)  # files under the project created or changed
    removed: list[str] = field(default_factory=list)  # files under the project deleted
    dirs: list[str] = field(default_factory=list)  # folders under the project created
    databases: list[str] = field(default_factory=list)  # SQLite files connected (also in reads/writes)
    modules: list[str] = field(default_factory=list)  # top-level non-stdlib modules imported
    distributions: dict[str, str] = field(default_factory=dict)  # distribution -> version
    extensions: list[str] = field(default_factory=list)  # IPython extensions loaded (%load_ext)
    commands: list[str] = field(default_factory=list)  # shell commands run (! lines, subprocess)
    outside: list[str] = field(default_factory=list)  # absolute paths outside the project written
    truncated: bool = False  # too many events: the lists are cut (the cap is in kernel_side.observe)


@dataclass
class StepRecord(Contract):
    """One step of a run. ``notebook`` / ``log``: paths of the executed notebook and its log."""

    status: StepStatus = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    cached: bool = False
    reused: str | None = None  # cached: where the outputs came from
    attempts: int = 0
    error: str | None = None
    # the user's notebook cell the error is in: its 0-based index (texts show JupyterLab's number,
    # from 1: notebook_ops/cellref.py)
    cell: int | None = None
    notebook: str | None = None
    log: str | None = None
    cache_key: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    # received objects the step changed where the analysis could not see it (the runtime check)
    changed_at_run: list[str] = field(default_factory=list)
    worker: str | None = None  # the Dask worker that ran it (run --cluster); None: this machine
    observed: Observed | None = None  # what the code did (None: not observed, e.g. cached)
    # what running it cost, measured on its kernel's processes (execution/usage.py); None: not
    # measured (cached, skipped, a kernel that did not start, a --single-kernel run)
    cpu_s: float | None = None  # user + system CPU seconds of the kernel and its children
    peak_mem_mb: float | None = None  # peak PSS in MiB, sampled (RSS where PSS is unreadable)
    # where a Dask task's time went (run --cluster; None elsewhere), its last attempt: submitted
    # -> started on the worker (two machines' clocks), -> its kernel ready, the notebook's run
    queued_s: float | None = None
    startup_s: float | None = None
    code_s: float | None = None
    OMITTED_WHEN_NONE = ("observed", "cpu_s", "peak_mem_mb", "queued_s", "startup_s", "code_s")


@dataclass
class GitInfo(Contract):
    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None


@dataclass
class MlflowInfo(Contract):
    tracking_uri: str | None = None
    run_id: str | None = None
    experiment_id: str | None = None
    error: str | None = None  # MLflow could not be written (the run went on)


@dataclass
class TargetResult(Contract):
    """A metric target against the run's value; ``met`` None: not measured (a partial run)."""

    metric: str
    condition: str
    value: Any = None
    met: bool | None = None


@dataclass
class RunOptions(Contract):
    jobs: int = 1
    cache: bool = True
    single_kernel: bool = False
    steps: list[str] = field(default_factory=list)
    kernels: str | None = None  # "fork" (from a warmed zygote) or "fresh"
    data_url: str | None = None
    cluster: str | None = None  # the Dask scheduler the steps ran on (run --cluster)


@dataclass
class RunRecord(Contract):
    """``run.json``. ``status`` is "running" until the run ends; ``pid``/``host`` tell a reader
    whether a "running" run still has a process."""

    run_id: str
    status: RunStatus = "running"
    pipeline: str | None = None
    pid: int | None = None
    host: str | None = None
    source: str | None = None  # the notebook (or the bundle's pipeline) it ran
    run_dir: str | None = None
    mode: Literal["pipeline", "bundle"] = "pipeline"
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    targets: list[TargetResult] = field(default_factory=list)
    git: GitInfo = field(default_factory=GitInfo)
    notebook_hash: str | None = None
    notebook_ops_version: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    options: RunOptions = field(default_factory=RunOptions)
    resumed_from: str | None = None
    mlflow: MlflowInfo = field(default_factory=MlflowInfo)
    error: str | None = None
    # the steps' cost (StepRecord.cpu_s, peak_mem_mb): the CPU seconds they used together and
    # the highest peak of one of them; None: no step was measured
    cpu_s: float | None = None
    peak_mem_mb: float | None = None
    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ("cpu_s", "peak_mem_mb")

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)

    def failed_steps(self) -> str:
        """``"step: error; ..."`` for the steps that failed (empty when none did)."""
        return "; ".join(f"{k}: {v.error or v.status}" for k, v in self.steps.items() if v.status == "failed")

    @classmethod
    def read(cls, run_dir) -> RunRecord | None:
        """The record in ``run_dir`` (None when there is none, or it is not readable JSON)."""
        try:
            data = json.loads((Path(run_dir) / RUN_JSON).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, RecursionError):
            return None
        return cls.from_dict(data) if isinstance(data, dict) and "run_id" in data else None


@dataclass
class RunListing(RunRecord):
    """A run as ``runs list`` and ``GET runs`` show it: the record, where it lives, and for a
    "running" one whether its process still exists (None: another host, or unknown)."""

    status: ListedStatus = "running"  # type: ignore[assignment]  # a RunStatus, or "unreadable"
    process_alive: bool | None = None  # only for a "running" run
    active: bool | None = None  # only from the server: it can still cancel the run
    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ("process_alive", "active", "cpu_s", "peak_mem_mb")


ProgressKind = Literal["run_started", "step_started", "step_retry", "step_finished", "run_finished"]


@dataclass
class RunProgress(Contract):
    """What the runner tells a ``progress`` callback after each change: the whole record as it
    is at that moment (``status``: the step's for step events, else the run's)."""

    event: ProgressKind
    run_id: str
    status: str
    run: RunRecord
    step: str | None = None  # step events only
    OMITTED_WHEN_NONE = ("step",)


@dataclass
class RunSide(Contract):
    """One of two runs compared: what it is and what it cost (``runs compare``)."""

    run_id: str
    status: ListedStatus = "running"
    started_at: str | None = None
    duration_s: float | None = None
    cpu_s: float | None = None
    peak_mem_mb: float | None = None
    commit: str | None = None  # git commit the run's source was at
    bundle_version: str | None = None  # tags.bundle_version: the bundle it ran (None: a notebook)


@dataclass
class ParameterComparison(Contract):
    """A parameter of either run; ``changed``: the two values differ (one missing counts)."""

    name: str
    a: Any = None
    b: Any = None
    changed: bool = False


@dataclass
class MetricComparison(Contract):
    """A metric either run logged, or one with a target: ``delta`` is b - a when both are
    numbers; ``met_a``/``met_b`` whether each met the target (None: no target, not measured)."""

    name: str
    a: Any = None
    b: Any = None
    delta: float | None = None
    target: str | None = None  # the condition, e.g. ">= 0.8"
    met_a: bool | None = None
    met_b: bool | None = None


@dataclass
class StepSide(Contract):
    """A step in one of the runs; ``status`` None: the run has no such step."""

    status: StepStatus | None = None
    cached: bool = False  # its outputs were reused, it did not run
    duration_s: float | None = None
    cpu_s: float | None = None
    peak_mem_mb: float | None = None


# what happened to a step in run b: its outputs reused, run again, or not done (failed, skipped,
# cancelled, pending, running), or the run has no such step
StepOutcome = Literal["reused", "re-ran", "failed", "not run", "absent"]


@dataclass
class StepComparison(Contract):
    name: str
    a: StepSide
    b: StepSide
    outcome_a: StepOutcome
    outcome_b: StepOutcome
    # the step's cache keys are equal: same code, parameters it reads and inputs (None: unknown)
    same_inputs: bool | None = None
    duration_delta_s: float | None = None  # b - a, when both ran


@dataclass
class RunComparison(Contract):
    """Two runs side by side (``notebook-ops runs compare A B``, ``GET runs/{a}/comparisons/{b}``):
    their parameters, metrics with deltas and targets, and per step reused or re-ran, with times."""

    a: RunSide
    b: RunSide
    parameters: list[ParameterComparison] = field(default_factory=list)
    metrics: list[MetricComparison] = field(default_factory=list)
    steps: list[StepComparison] = field(default_factory=list)
    duration_delta_s: float | None = None  # b - a
    cpu_delta_s: float | None = None
