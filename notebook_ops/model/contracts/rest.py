"""The bodies of the REST API under ``/notebook-ops/api/`` (``Create*`` requests, ``*Response``
replies), beside the run record, the pipeline view and the schedule views they carry.

Handlers read a request with ``CreateRun.parse(body)`` (a bad body is one 400 line naming the
field) and never index the raw dict; the lab's TypeScript types are generated from the same
classes' schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from notebook_ops.model.contracts.base import Contract, ContractError
from notebook_ops.model.contracts.pipeline_view import ProblemView
from notebook_ops.model.contracts.proofs import ProofRecord
from notebook_ops.model.contracts.runs import RunListing
from notebook_ops.model.contracts.schedules import Catchup, ScheduleError, ScheduleView


@dataclass
class Features(Contract):
    """The actions this server offers: the lab shows a button only for a listed one."""

    runs: bool
    exports: bool
    schedules: bool  # the scheduler package is installed
    remote_runs: bool = False  # an Airflow is configured (c.NotebookOps.airflow_url)
    models: bool = False  # MLflow is installed: the Model Registry's models can be shown


@dataclass
class FeaturesResponse(Contract):
    """GET / : the server's version, what it offers, and the MLflow UI the panel links runs to
    (c.NotebookOps.mlflow_ui_url; "" when none)."""

    version: str
    features: Features
    mlflow_ui_url: str = ""


@dataclass
class InspectPipeline(Contract):
    """POST pipelines: the notebook at ``path``, or its unsaved ``content`` (nbformat JSON)."""

    path: str
    content: dict[str, Any] | None = None


@dataclass
class InspectStaleSteps(Contract):
    """POST stale-steps: which steps of the notebook at ``path`` (or of its unsaved ``content``)
    a run with ``parameters`` (as the Run dialog sends them) would run again."""

    path: str
    content: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreatePipelineFile(Contract):
    """POST pipeline-files: write the order inferred for the folder at ``path`` as a pipeline
    file to edit (``out``: default ``<folder>/pipeline.yaml``); an existing file is kept (409)
    unless ``overwrite``."""

    path: str
    out: str | None = None
    overwrite: bool = False


@dataclass
class PipelineFileResponse(Contract):
    """POST pipeline-files (201): the file written, relative to the server root."""

    path: str
    notebooks: int  # how many notebooks it lists


@dataclass
class EditElyraPipeline(Contract):
    """POST elyra-edits: one edit of the Elyra pipeline at ``path`` (the lab's canvas), written
    back as pipeline-flow v3 with every other field kept (``model/elyra_write.py``). ``file``
    and ``target`` are server paths of the nodes' notebooks or scripts: ``add-node`` adds
    ``file``; ``remove-node`` removes its node and the links to it; ``add-link`` makes
    ``target`` run after ``file``; ``remove-link`` undoes that."""

    path: str
    op: Literal["add-node", "remove-node", "add-link", "remove-link"]
    file: str
    target: str | None = None


@dataclass
class ElyraEditResponse(Contract):
    """POST elyra-edits: the file written (relative to the server root) and what changed, as the
    canvas' status line says it."""

    path: str
    message: str


@dataclass
class CreateRun(Contract):
    """POST runs: run the notebook at ``path`` (reply: the first ``RunView``, 202)."""

    path: str
    parameters: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    track: bool = True
    jobs: int | None = None
    steps: list[str] | str | None = None
    from_step: str | None = None  # run this step and everything after it
    cluster: str | None = None  # a Dask scheduler (tcp://host:8786) to run the steps on
    data_url: str | None = None  # the data store between steps (a cluster needs one its workers reach)

    def check(self) -> None:
        if self.jobs is not None and self.jobs < 1:
            raise ContractError("'jobs' must be a positive integer")
        if self.from_step is not None and not self.from_step.strip():
            raise ContractError("'from_step' must be a step name")


@dataclass
class RunView(RunListing):
    """A run as the REST API sends it (POST runs, GET runs and runs/{id}): its listing, and
    always ``active``: whether this server can still cancel it (the lab's Cancel button)."""

    active: bool = False
    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ("process_alive", "cpu_s", "peak_mem_mb")


@dataclass
class RunsResponse(Contract):
    """GET runs: the notebook's runs, newest first."""

    runs: list[RunView] = field(default_factory=list)


@dataclass
class CancelResponse(Contract):
    run_id: str
    status: str = "cancelling"


@dataclass
class StepNotebookResponse(Contract):
    """GET runs/{id}/steps/{step} (format=json): the step's executed notebook (nbformat JSON)."""

    name: str  # "<step>.ipynb"
    run_id: str
    step: str
    content: dict[str, Any]


@dataclass
class CreateExport(Contract):
    """POST exports: export the notebook at ``path`` into ``out_dir`` (relative to it)."""

    path: str
    out_dir: str = "dist"
    allow_dirty: bool = False
    prove: bool = False  # then prove it (notebook-ops prove) in the background: the reply is 202


# building_env: the clean env from requirements.txt; running_step: step k of n as its own task;
# done: the proof record says proven or which step and why; error: the proof could not run
ProofState = Literal["building_env", "running_step", "done", "error"]


@dataclass
class ProofProgress(Contract):
    """GET proofs/{id}: a proof started by POST exports with ``prove``, where it is now (paths
    relative to the server root). A failed proof is ``done`` with ``proof.proven`` false."""

    id: str
    notebook: str
    bundle: str  # the bundle folder
    state: ProofState
    message: str  # the last progress line (the proof's summary once done)
    step: str | None = None  # running_step: the step running, its 1-based index and the count
    step_index: int | None = None
    steps_total: int | None = None
    proof: ProofRecord | None = None  # done
    error: str | None = None  # error: one line
    started_at: str = ""
    finished_at: str | None = None


@dataclass
class ProofsResponse(Contract):
    """GET proofs?path=NOTEBOOK: the proofs of its bundles this server runs or ran, newest first."""

    proofs: list[ProofProgress] = field(default_factory=list)


@dataclass
class ExportResponse(Contract):
    """POST exports (201): the version written (or kept: ``reused``), paths relative to the
    server root."""

    name: str
    version: int
    reused: bool
    folder: str
    archive: str
    tag: str | None = None
    warnings: list[str] = field(default_factory=list)
    mlflow_run_id: str | None = None
    content_sha256: str = ""
    readme: str | None = None
    proof: ProofRecord | None = None  # the proof record beside the archive, when it is for this content
    proving: ProofProgress | None = None  # with ``prove`` (202): follow it at GET proofs/{proving.id}


@dataclass
class CreateSchedule(Contract):
    """POST schedules: ``cron`` (a clock) or ``trigger`` (a topic URL), not both."""

    path: str
    cron: str | None = None
    trigger: str | None = None
    tz: str = "UTC"
    parameters: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    timeout_s: float | None = None
    retries: int | None = None
    catchup: Catchup | None = None
    subscription: str | None = None
    dead_letter_topic: str | None = None
    # each {to, on?, format?} (``contracts.alerts.AlertSpec``: its response shape has every
    # field, so the request names it by its fields); the scheduler checks them
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def check(self) -> None:
        source = (self.trigger or "").strip()
        if source and self.cron:
            raise ScheduleError("send 'cron' or 'trigger' (a topic URL), not both")
        if not source and not (self.cron or "").strip():
            raise ScheduleError(
                "'cron' is required, e.g. \"0 6 * * 1\" (06:00 every Monday), "
                "or 'trigger': a topic URL such as pulsar://broker:6650/new-data"
            )


@dataclass
class UpdateSchedule(Contract):
    """PATCH schedules/{name}: pause or resume."""

    paused: bool


@dataclass
class SchedulesResponse(Contract):
    schedules: list[ScheduleView] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class HostScheduler(Contract):
    """PUT scheduler: start (true) or stop (false) the scheduler hosted in this server."""

    hosted: bool


@dataclass
class SchedulerState(Contract):
    """GET/PUT scheduler: is a scheduler service firing this store's schedules? ``hosted``: one
    runs in this server (``active``: it is firing); ``env_override``: NOTEBOOK_OPS_SCHEDULER,
    which decides over the lab's setting when set."""

    hosted: bool
    active: bool
    services: list[dict[str, Any]] = field(default_factory=list)  # services seen alive (last minute)
    env_override: str | None = None


@dataclass
class RemoteTask(Contract):
    """One task instance of a remote run, as Airflow reports it (state None: not scheduled yet)."""

    state: str | None = None
    try_number: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    hostname: str | None = None
    pid: int | None = None


@dataclass
class RemoteRun(Contract):
    """One run of a deployed pipeline in Airflow (``notebook_ops.deploy.airflow_push.describe_run``)."""

    dag_id: str
    run_id: str
    url: str  # the run's page in Airflow's UI
    state: str | None = None
    run_type: str | None = None
    queued_at: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    conf: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, RemoteTask] = field(default_factory=dict)


@dataclass
class RemoteRunsResponse(Contract):
    """GET remote-runs: the runs of the configured Airflow's notebook-ops DAGs, newest first."""

    airflow_url: str
    runs: list[RemoteRun] = field(default_factory=list)


@dataclass
class ErrorResponse(Contract):
    """Every error: the exception's class name, one line, and where (file, cell, step)."""

    error: str
    message: str
    path: str | None = None
    cell: int | None = None
    step: str | None = None
    hint: str | None = None
    problems: list[ProblemView] | None = None  # a pipeline with errors (422)
    OMITTED_WHEN_NONE = ("problems",)
