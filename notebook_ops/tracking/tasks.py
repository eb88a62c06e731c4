"""MLflow records of a bundle run as orchestrator tasks (``notebook-ops run-step``: one step per
task, each in its own empty folder, sharing a data store and a tracking server).

No runner outlives the steps there, so each task writes its own step's records, the same a
local run writes (``sync``): the pipeline run's parent run, found by its run id (every task of
one orchestrator run gets the same ``--run-id``) or made by the first task; the step's nested
run with its parameters, metrics and executed notebook; the models it saved registered as new
versions with the bundle's lineage (``registry``). The task of the last step finishes the parent
run (status, metrics, targets) and applies the pipeline's ``promote`` setting (``promotion``).
"""

from __future__ import annotations

from notebook_ops._version import __version__
from notebook_ops.tracking.mlflow_tracker import USAGE_METRICS, Session
from notebook_ops.tracking.promotion import after_run
from notebook_ops.tracking.promotion_alerts import alerts_tag
from notebook_ops.tracking.registry import TAG


def run_record(manifest: dict, run_id: str, tags: dict, params: dict, **outcome) -> dict:
    """A run.json-shaped dict for ``Session`` (``outcome``: status, metrics, targets,
    finished_at, once known)."""
    return {
        "run_id": run_id,
        "pipeline": manifest["name"],
        "run_dir": "",
        "mode": "bundle",
        "notebook_hash": None,
        "notebook_ops_version": __version__,
        "git": None,
        "tags": {**tags, **alerts_tag(manifest.get("alerts"))},  # promotions alert from there
        "parameters": dict(params),
        **outcome,
    }


def session(manifest: dict, tracking_uri: str) -> Session:
    """The pipeline's experiment (named after it, as for a local run) on ``tracking_uri``."""
    return Session(manifest["name"], tracking_uri)


def log_step(s: Session, record: dict, step: str, steprec: dict, params, metrics, artifacts, models) -> str:
    """The parent run (found or made) and ``step``'s nested run with its models registered
    (``models``: [{"name", "path", "tags"}]); returns the parent run's id."""
    parent = s.parent(record)
    s.step(parent, step, steprec, params, metrics, artifacts, models)
    return parent


def _step_runs(s: Session, parent: str) -> list:
    """The nested runs of ``parent`` that record a step (each tagged with its step's name)."""
    children = s.open().search_runs(
        [str(s.experiment_id)], f"tags.mlflow.parentRunId = '{parent}'", max_results=1000
    )
    return [r for r in children if TAG + "step" in r.data.tags]


def step_metrics(s: Session, parent: str) -> dict[str, dict[str, float]]:
    """{step: its own metrics} from the nested runs of ``parent`` (the cost metrics left out):
    what earlier tasks logged, for a task whose store holds only its producers' data (KFP)."""
    return {
        r.data.tags[TAG + "step"]: {k: v for k, v in r.data.metrics.items() if k not in USAGE_METRICS}
        for r in _step_runs(s, parent)
    }


def succeeded_steps(s: Session, parent: str) -> dict[str, int]:
    """{step: when it ended (ms)} for the steps of ``parent`` recorded as succeeded: what a task
    that cannot see the others' data (KFP), or one of several final steps, knows of the run."""
    return {
        r.data.tags[TAG + "step"]: int(r.info.end_time or 0)
        for r in _step_runs(s, parent)
        if r.info.status == "FINISHED"
    }


def finish(s: Session, record: dict, promote: dict | None, events=()) -> dict | None:
    """The parent run's outcome (``record``: final status, metrics, targets) and, when it
    succeeded, the pipeline's promote setting applied to the version it registered (what
    happened is returned, and the parent run's tag ``notebook_ops.promotion``)."""
    parent = s.parent(record)
    s.finish(parent, record)
    if not promote or record.get("status") == "failed":
        return None
    client = s.open()
    children = client.search_runs(
        [str(s.experiment_id)], f"tags.mlflow.parentRunId = '{parent}'", max_results=1000
    )
    steps = {r.data.tags.get(TAG + "step", r.info.run_id): r.info.run_id for r in children}
    return after_run(client, {"run_id": parent, "steps": steps}, promote, events)
