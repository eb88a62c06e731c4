"""MLflow records for a pipeline run: a parent run, a nested run per step.

Under ``mlflow run`` (``MLFLOW_RUN_ID`` names the run MLflow opened for the entry point) that run
is the parent: the pipeline's parameters, tags and metrics go into it, the steps nest under it,
and MLflow, which opened it, also closes it. Parameters MLflow already logged are not logged
again (MLflow refuses a changed value). If that run is not in the tracking store, the tracker
falls back to a parent run of its own.

Everything goes through ``MlflowClient`` on one background thread (``Tracker`` methods return
at once), so importing MLflow (~1-2 s) and writing to the store overlap the kernels' work and a
slow or broken store never stalls or fails a run: errors are kept in ``Tracker.error``.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlflow.entities import Run
    from mlflow.tracking import MlflowClient

log = logging.getLogger(__name__)

_STATUS = {
    "succeeded": "FINISHED",
    "below_target": "FINISHED",
    "failed": "FAILED",
    "cancelled": "KILLED",
    "skipped": "KILLED",
}


def artifacts_beside(uri: str) -> str | None:
    """The artifact root for a local database store: ``mlartifacts`` beside the database file.

    MLflow would otherwise create experiments with ``./mlruns`` in whatever folder the run
    started (an ``mlruns/`` folder in the user's project). Servers (http) and file stores
    choose their own; None for those."""
    if not uri.startswith("sqlite:///"):
        return None
    db = uri[len("sqlite:///") :].split("?", 1)[0]
    if not db or db == ":memory:":
        return None
    return (Path(db).resolve().parent / "mlartifacts").as_uri()


def default_tracking_uri(base_dir) -> tuple[str, str | None]:
    """(tracking URI, artifact root or None). ``MLFLOW_TRACKING_URI`` wins; otherwise a sqlite
    store ``<base_dir>/.notebook_ops/mlflow.db``. A sqlite store keeps its artifacts in
    ``mlartifacts`` beside it; ``mlflow ui --backend-store-uri <uri>`` opens both."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env, artifacts_beside(env)
    state = Path(base_dir).resolve() / ".notebook_ops"
    state.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{state / 'mlflow.db'}"
    return uri, artifacts_beside(uri)


def _ms(iso_or_epoch) -> int | None:
    if iso_or_epoch is None:
        return None
    if isinstance(iso_or_epoch, (int, float)):
        return int(iso_or_epoch * 1000)
    from datetime import datetime

    return int(datetime.fromisoformat(str(iso_or_epoch).replace("Z", "+00:00")).timestamp() * 1000)


def _param(v) -> str:
    s = v if isinstance(v, str) else repr(v)
    return s[:6000]


def _opened(value: str | None, what: str) -> str:
    """The id ``_open``/``_start`` set; None only when they failed (kept in ``Tracker.error``)."""
    if value is None:
        raise RuntimeError(f"no MLflow {what}: the tracking store did not open")
    return value


class Tracker:
    def __init__(self, experiment: str, tracking_uri: str, artifact_root: str | None = None):
        self.experiment = experiment
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.error: str | None = None
        self.client: MlflowClient | None = None
        self.experiment_id: str | None = None
        self.parent_id: str | None = None
        self.outer: Run | None = None  # the run ``mlflow run`` opened (MLFLOW_RUN_ID), when there is one
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbo-mlflow")
        self._submit(self._open)

    # --- the worker thread -----------------------------------------------------------------
    def _submit(self, fn, *args, **kw):
        def guarded():
            if self.error is not None and fn is not self._open:
                return
            try:
                fn(*args, **kw)
            except Exception as exc:  # tracking must never break a run
                self.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                log.warning("MLflow tracking disabled for this run: %s", self.error)

        return self._pool.submit(guarded)

    def _open(self):
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from mlflow.tracking import MlflowClient

        for name in ("mlflow", "mlflow.store.db.utils", "alembic"):  # mlflow resets them on import
            logging.getLogger(name).setLevel(logging.WARNING)
        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        outer = os.environ.get("MLFLOW_RUN_ID")
        if outer:
            try:
                self.outer = self.client.get_run(outer)
                self.experiment_id = self.outer.info.experiment_id  # nested runs share it
                return
            except Exception as exc:  # noqa: BLE001 - e.g. another tracking store
                log.warning(
                    "MLFLOW_RUN_ID %s is not in %s (%s): the pipeline gets its own run",
                    outer,
                    self.tracking_uri,
                    str(exc).splitlines()[0] if str(exc) else exc,
                )
        exp = self.client.get_experiment_by_name(self.experiment)
        if exp is None:
            try:
                loc = f"{self.artifact_root}/{self.experiment}" if self.artifact_root else None
                self.experiment_id = self.client.create_experiment(self.experiment, artifact_location=loc)
            except Exception:  # created meanwhile by a concurrent run
                exp = self.client.get_experiment_by_name(self.experiment)
                if exp is None:
                    raise
                self.experiment_id = exp.experiment_id
        else:
            self.experiment_id = exp.experiment_id

    @property
    def _mlflow(self) -> MlflowClient:
        """The client ``_open`` made: every later call runs after it on the one worker thread."""
        if self.client is None:
            raise RuntimeError(f"the MLflow store {self.tracking_uri} did not open: {self.error}")
        return self.client

    def _start(self, record: dict, tags: dict):
        from mlflow.entities import Param

        t = {
            "mlflow.runName": record["run_id"],
            "notebook_ops.run_id": record["run_id"],
            "notebook_ops.run_dir": record.get("run_dir", ""),
            "notebook_hash": record.get("notebook_hash") or "",
            "notebook_ops_version": record.get("notebook_ops_version") or "",
        }
        git = record.get("git") or {}
        if git.get("commit"):
            t["mlflow.source.git.commit"] = git["commit"]
            t["git_commit"] = git["commit"]
        if git.get("branch"):
            t["mlflow.source.git.branch"] = git["branch"]
        if git.get("dirty") is not None:
            t["git_dirty"] = str(git["dirty"]).lower()
        if record.get("source"):
            t["mlflow.source.name"] = record["source"]
        t.update({str(k): str(v) for k, v in (tags or {}).items()})
        params = [Param(k, _param(v)) for k, v in (record.get("parameters") or {}).items()]
        if self.outer is not None:
            from mlflow.entities import RunTag

            self.parent_id = self.outer.info.run_id
            t.pop("mlflow.runName")
            t.pop("mlflow.source.name", None)
            params = [p for p in params if p.key not in self.outer.data.params]
            self._mlflow.log_batch(self.parent_id, params=params, tags=[RunTag(k, v) for k, v in t.items()])
            return
        run = self._mlflow.create_run(
            _opened(self.experiment_id, "experiment"), start_time=_ms(record.get("started_at")), tags=t
        )
        self.parent_id = run.info.run_id
        if params:
            self._mlflow.log_batch(self.parent_id, params=params)

    def _step(self, name: str, steprec: dict, params: dict, metrics: list, artifacts: list):
        from mlflow.entities import Metric, Param

        tags = {
            "mlflow.parentRunId": self.parent_id,
            "mlflow.runName": name,
            "notebook_ops.step": name,
            "cached": str(bool(steprec.get("cached"))).lower(),
            "attempts": str(steprec.get("attempts") or 0),
        }
        if steprec.get("error"):
            tags["error"] = steprec["error"][:5000]
        start = _ms(steprec.get("started_at")) or int(time.time() * 1000)
        run = self._mlflow.create_run(_opened(self.experiment_id, "experiment"), start_time=start, tags=tags)
        rid = run.info.run_id
        ps = [Param(k, _param(v)) for k, v in params.items()]
        now = int(time.time() * 1000)
        ms = [
            Metric(m["name"], float(m["value"]), now, int(m.get("step") or 0))
            for m in metrics
            if isinstance(m.get("value"), (int, float))
        ]
        if ps or ms:
            self._mlflow.log_batch(rid, metrics=ms, params=ps)
        for path, folder in artifacts:
            if Path(path).is_file():
                self._mlflow.log_artifact(rid, str(path), artifact_path=folder)
        self._mlflow.set_terminated(
            rid, _STATUS.get(str(steprec.get("status")), "FAILED"), end_time=_ms(steprec.get("finished_at"))
        )

    def _finish(self, record: dict, metrics: dict, artifacts: list):
        from mlflow.entities import Metric

        parent = _opened(self.parent_id, "parent run")
        now = int(time.time() * 1000)
        ms = [Metric(k, float(v), now, 0) for k, v in metrics.items() if isinstance(v, (int, float))]
        if ms:
            self._mlflow.log_batch(parent, metrics=ms)
        self._mlflow.set_tag(parent, "notebook_ops.status", record["status"])
        for t in record.get("targets") or []:
            self._mlflow.set_tag(
                parent, f"target.{t['metric']}", f"{t['condition']} -> {'met' if t.get('met') else 'missed'}"
            )
        for path, folder in artifacts:
            if Path(path).is_file():
                self._mlflow.log_artifact(parent, str(path), artifact_path=folder)
        if self.outer is None:  # mlflow run closes the run it opened
            self._mlflow.set_terminated(
                parent, _STATUS.get(record["status"], "FAILED"), end_time=_ms(record.get("finished_at"))
            )

    # --- the caller's side -----------------------------------------------------------------
    def start_run(self, record: dict, tags: dict | None = None):
        return self._submit(self._start, dict(record), dict(tags or {}))

    def log_step(self, name, steprec, params, metrics, artifacts):
        """``artifacts``: [(local path, artifact folder)]."""
        return self._submit(self._step, name, dict(steprec), dict(params), list(metrics), list(artifacts))

    def finish(self, record: dict, metrics: dict, artifacts=()):
        return self._submit(self._finish, dict(record), dict(metrics), list(artifacts))

    def wait(self, timeout: float | None = None) -> dict:
        """Wait for every queued write; returns the ``mlflow`` block of run.json."""
        from concurrent.futures import TimeoutError as FutureTimeout

        try:
            self._submit(lambda: None).result(timeout=timeout)
        except FutureTimeout:
            self.error = self.error or f"MLflow writes did not finish within {timeout:g} s"
            self._pool.shutdown(wait=False)
            return self.info()
        self._pool.shutdown(wait=True)
        return self.info()

    def info(self) -> dict:
        out = {
            "tracking_uri": self.tracking_uri,
            "run_id": self.parent_id,
            "experiment_id": self.experiment_id,
        }
        if self.error:
            out["error"] = self.error
        return out
