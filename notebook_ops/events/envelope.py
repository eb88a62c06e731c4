"""Event builder: the runner's progress events, exports, schedule firings and model promotions
-> schema-v1 events.

Plain dicts in, plain dicts out (JSON-ready), so every sink sends the same bytes; each type's
``data`` is built through its contract (``notebook_ops.model.contracts.events``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from notebook_ops._version import __version__
from notebook_ops.events.schema import SCHEMA_VERSION
from notebook_ops.model.contracts.events import (
    BundleExportedData,
    ModelPromotedData,
    RunFinishedData,
    RunStartedData,
    ScheduleFiredData,
    StepFinishedData,
    StepStartedData,
)
from notebook_ops.model.contracts.runs import GitInfo, TargetResult

# runner progress event name -> event type
RUNNER_TYPES = {
    "run_started": "run.started",
    "step_started": "step.started",
    "step_finished": "step.finished",
    "run_finished": "run.finished",
}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _producer() -> dict:

    return {"host": socket.gethostname(), "pid": os.getpid(), "notebook_ops_version": __version__}


def make_event(type_: str, data: dict, *, pipeline=None, run_id=None, seq: int = 0) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "id": uuid.uuid4().hex,
        "type": type_,
        "time": now_iso(),
        "pipeline": pipeline,
        "run_id": run_id,
        "seq": seq,
        "producer": _producer(),
        "data": data,
    }


def _run_started(run: dict, _step) -> dict:
    return RunStartedData(
        parameters=run.get("parameters") or {},
        steps=list(run.get("steps") or {}),
        mode=run.get("mode", "pipeline"),
        source=run.get("source"),
        run_dir=str(run.get("run_dir", "")),
        git=GitInfo.from_dict(run["git"]) if run.get("git") is not None else None,
        notebook_hash=run.get("notebook_hash"),
        tags=run.get("tags") or {},
    ).to_dict()


def _step_started(run: dict, step: str) -> dict:
    return StepStartedData(step=step, attempt=int(run["steps"][step].get("attempts") or 1)).to_dict()


def _step_finished(run: dict, step: str) -> dict:
    s = run["steps"][step]
    return StepFinishedData(
        step=step,
        status=s["status"],
        duration_s=s.get("duration_s"),
        cached=bool(s.get("cached")),
        attempts=int(s.get("attempts") or 0),
        error=s.get("error"),
        metrics=s.get("metrics") or {},
    ).to_dict()


def _run_finished(run: dict, _step) -> dict:
    targets = [TargetResult.from_dict(t) for t in run.get("targets") or []]
    return RunFinishedData(
        status=run["status"],
        duration_s=run.get("duration_s"),
        metrics=run.get("metrics") or {},
        targets=targets,
        below_target=[t.metric for t in targets if t.met is False],
        steps={n: s["status"] for n, s in (run.get("steps") or {}).items()},
        error=run.get("error"),
        run_dir=str(run.get("run_dir", "")),
        mlflow_run_id=(run.get("mlflow") or {}).get("run_id"),
    ).to_dict()


# the step name is None for the run events
_DATA: dict[str, Callable[[dict, Any], dict]] = {
    "run.started": _run_started,
    "step.started": _step_started,
    "step.finished": _step_finished,
    "run.finished": _run_finished,
}


class RunEvents:
    """Turns one run's progress callbacks into numbered events (seq 0, 1, 2, ... per run)."""

    def __init__(self):
        self._seq: dict[str | None, int] = {}

    def from_progress(self, progress: dict) -> dict | None:
        type_ = RUNNER_TYPES.get(str(progress.get("event")))
        if type_ is None:
            return None
        run = progress["run"]
        run_id = progress.get("run_id") or run.get("run_id")
        seq = self._seq.get(run_id, 0)
        self._seq[run_id] = seq + 1
        data = _DATA[type_](run, progress.get("step"))
        return make_event(type_, data, pipeline=run.get("pipeline"), run_id=run_id, seq=seq)


def bundle_exported(result) -> dict:
    """From a notebook_ops.bundle ExportResult."""
    git = (result.manifest.get("provenance") or {}).get("git") or {}
    data = BundleExportedData(
        name=result.name,
        version=int(result.version),
        reused=bool(result.reused),
        commit=git.get("commit"),
        dirty=git.get("dirty"),
        tag=result.tag,
        folder=str(result.folder),
        archive=str(result.archive),
        content_sha256=result.manifest.get("content_sha256", ""),
    ).to_dict()
    return make_event("bundle.exported", data, pipeline=result.name)


def schedule_fired(
    *,
    schedule_id,
    target,
    scheduled_for=None,
    parameters=None,
    run_id=None,
    pipeline=None,
    kind="cron",
    **more,
) -> dict:
    """``more``: optional ``name`` (the schedule's), ``attempt``, ``run_dir``, ``message_id``
    (the trigger message that fired it)."""
    if hasattr(scheduled_for, "isoformat"):
        scheduled_for = scheduled_for.isoformat()
    optional: dict[str, Any] = {
        k: (str(v) if k == "run_dir" else v)
        for k, v in more.items()
        if k in ScheduleFiredData.OMITTED_WHEN_NONE
    }
    data = ScheduleFiredData(
        schedule_id=schedule_id,
        kind=kind,
        target=str(target),
        scheduled_for=scheduled_for,
        parameters=dict(parameters or {}),
        run_id=run_id,
        **optional,
    ).to_dict()
    return make_event("schedule.fired", data, pipeline=pipeline, run_id=run_id)


def model_promoted(record: dict, *, pipeline=None) -> dict:
    """From a promotion record (``tracking.promotion.promote``: the fields of
    ``ModelPromotedData``). Outside any run's numbering: the run that made the version is
    ``data.run_id`` (the envelope's ``run_id`` too)."""
    fields = {k: record.get(k) for k in ModelPromotedData.__dataclass_fields__}
    data = ModelPromotedData.from_dict(fields).to_dict()
    return make_event("model.promoted", data, pipeline=pipeline, run_id=data["run_id"])
