"""MLflow records for a pipeline run: a parent run, a nested run per step.

Under ``mlflow run`` (``MLFLOW_RUN_ID`` names the run MLflow opened for the entry point) that run
is the parent: the pipeline's parameters, tags and metrics go into it, the steps nest under it,
and MLflow, which opened it, also closes it. Parameters MLflow already logged are not logged
again (MLflow refuses a changed value). If that run is not in the tracking store, the pipeline
gets a parent run of its own.

``Session`` writes through ``MlflowClient``, and every write may be repeated: a run already in
the store (found by its ``notebook_ops.run_id`` / ``notebook_ops.step`` tags) is completed, not
created again, so whoever logs a run folder (``tracking.sync``), the follower process, a later
``runs sync``, a long-lived server's thread, logs each MLflow run exactly once.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.tracking import store
from notebook_ops.util import faults

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


def default_store(base_dir) -> Path:
    """The default store's database file for runs started in ``base_dir``: one rule for the
    runs that write it and the faces that read it (a read never creates it)."""
    return Path(base_dir).resolve() / ".notebook_ops" / "mlflow.db"


def default_tracking_uri(base_dir) -> tuple[str, str | None]:
    """(tracking URI, artifact root or None). ``MLFLOW_TRACKING_URI`` wins; otherwise a sqlite
    store ``<base_dir>/.notebook_ops/mlflow.db``. A sqlite store keeps its artifacts in
    ``mlartifacts`` beside it; ``mlflow ui --backend-store-uri <uri>`` opens both."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env, artifacts_beside(env)
    db = default_store(base_dir)
    db.parent.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{db}"
    return uri, artifacts_beside(uri)


def _ms(iso_or_epoch) -> int | None:
    if iso_or_epoch is None:
        return None
    if isinstance(iso_or_epoch, (int, float)):
        return int(iso_or_epoch * 1000)

    return int(datetime.fromisoformat(str(iso_or_epoch).replace("Z", "+00:00")).timestamp() * 1000)


def _param(v) -> str:
    s = v if isinstance(v, str) else repr(v)
    return s[:6000]


USAGE_METRICS = ("cpu_s", "peak_mem_mb")  # a step's cost (execution/usage.py), the run's totals


def usage_metrics(rec: dict, taken) -> dict[str, float]:
    """The cost fields of a step or run record as metrics, unless ``taken`` (names the user's
    own metrics or an earlier write already use)."""
    return {
        k: float(rec[k]) for k in USAGE_METRICS if isinstance(rec.get(k), (int, float)) and k not in taken
    }


def first_line(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


class Session:
    """One tracking store and experiment, opened on first use (importing MLflow takes 1-2 s).

    ``outer``: the run ``mlflow run`` opened (``MLFLOW_RUN_ID`` where the run started)."""

    def __init__(self, experiment: str, tracking_uri: str, artifact_root: str | None = None, outer=None):
        self.experiment = experiment
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.outer_id: str | None = outer
        self.client: MlflowClient | None = None
        self.experiment_id: str | None = None
        self.outer: Run | None = None

    def open(self) -> MlflowClient:
        if self.client is not None:
            return self.client
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from mlflow.tracking import MlflowClient  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

        for name in ("mlflow", "mlflow.store.db.utils", "alembic"):  # mlflow resets them on import
            logging.getLogger(name).setLevel(logging.WARNING)

        with store.opened(self.tracking_uri):  # created and migrated by one process at a time
            client = MlflowClient(tracking_uri=self.tracking_uri)
            client._tracking_client.store  # noqa: B018 - opens (creates, migrates) the store here
            return self._opened(client)

    def _opened(self, client: MlflowClient) -> MlflowClient:
        if self.outer_id:
            try:
                self.outer = client.get_run(self.outer_id)
                self.experiment_id = self.outer.info.experiment_id  # nested runs share it
                self.client = client
                return client
            except Exception as exc:  # noqa: BLE001 - e.g. another tracking store
                log.warning(
                    "MLFLOW_RUN_ID %s is not in %s (%s): the pipeline gets its own run",
                    self.outer_id,
                    self.tracking_uri,
                    first_line(exc),
                )
        self.experiment_id = experiment_id(client, self.experiment, self.artifact_root)
        self.client = client
        return client

    def find(self, where: str) -> Run | None:
        """A run of this experiment matching ``where``."""
        found = self.open().search_runs([str(self.experiment_id)], where, max_results=10)
        return found[0] if found else None

    def _first_parent(self, run_id: str) -> Run | None:
        """The first made parent run (not a nested one) tagged with ``run_id``."""
        found = self.open().search_runs(
            [str(self.experiment_id)], f"tags.`notebook_ops.run_id` = '{run_id}'", max_results=100
        )
        runs = [r for r in found if "mlflow.parentRunId" not in r.data.tags]
        return min(runs, key=lambda r: (r.info.start_time or 0, r.info.run_id), default=None)

    def parent(self, record: dict) -> str:
        """The pipeline's parent run for ``record`` (run.json): created, or found and completed."""
        from mlflow.entities import Param, RunTag  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

        client = self.open()
        t = {
            "mlflow.runName": record["run_id"],
            "notebook_ops.run_id": record["run_id"],
            "notebook_ops.run_dir": record.get("run_dir") or "",
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
        t.update({str(k): str(v) for k, v in (record.get("tags") or {}).items()})
        params = [Param(k, _param(v)) for k, v in (record.get("parameters") or {}).items()]
        if self.outer is not None:
            t.pop("mlflow.runName")
            t.pop("mlflow.source.name", None)
            run = self.outer = client.get_run(self.outer.info.run_id)
            params = [p for p in params if p.key not in run.data.params]
            client.log_batch(run.info.run_id, params=params, tags=[RunTag(k, v) for k, v in t.items()])
            return run.info.run_id
        found = self._first_parent(record["run_id"])
        if found is None:
            faults.point("tracking.parent.before_create")
            start = _ms(record.get("started_at"))
            made = client.create_run(str(self.experiment_id), start_time=start, tags=t)
            # tasks of one run that start together (several first steps) may each make one: all
            # take the first made, and the others' makers delete theirs
            found = self._first_parent(record["run_id"]) or made
            if found.info.run_id != made.info.run_id:
                client.delete_run(made.info.run_id)
        params = [p for p in params if p.key not in found.data.params]
        if params:
            client.log_batch(found.info.run_id, params=params)
        return found.info.run_id

    def step(
        self, parent_id: str, name: str, steprec: dict, params: dict, metrics: list, artifacts, models=()
    ) -> str:
        """The nested run of step ``name``; ``artifacts``: [(local path, artifact folder)];
        ``models``: [{"name", "path", "tags"}] to log and register (``registry.py``)."""
        from mlflow.entities import Metric, Param  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

        client = self.open()
        found = self.find(f"tags.mlflow.parentRunId = '{parent_id}' and tags.`notebook_ops.step` = '{name}'")
        if found is not None and found.info.end_time:
            return found.info.run_id  # logged in full before
        if found is None:
            tags = {
                "mlflow.parentRunId": parent_id,
                "mlflow.runName": name,
                "notebook_ops.step": name,
                "cached": str(bool(steprec.get("cached"))).lower(),
                "attempts": str(steprec.get("attempts") or 0),
            }
            if steprec.get("error"):
                tags["error"] = steprec["error"][:5000]
            start = _ms(steprec.get("started_at")) or int(time.time() * 1000)
            found = client.create_run(str(self.experiment_id), start_time=start, tags=tags)
        rid = found.info.run_id
        ps = [Param(k, _param(v)) for k, v in params.items() if k not in found.data.params]
        when = _ms(steprec.get("finished_at")) or int(time.time() * 1000)
        ms = [
            Metric(m["name"], float(m["value"]), when, int(m.get("step") or 0))
            for m in metrics
            if isinstance(m.get("value"), (int, float)) and m["name"] not in found.data.metrics
        ]
        taken = {*found.data.metrics, *(m.key for m in ms)}
        ms += [Metric(k, v, when, 0) for k, v in usage_metrics(steprec, taken).items()]
        if ps or ms:
            client.log_batch(rid, metrics=ms, params=ps)
        for path, folder in artifacts:
            if Path(path).is_file():
                client.log_artifact(rid, str(path), artifact_path=folder)
        if models:
            from notebook_ops.tracking.registry import log_and_register  # noqa: PLC0415 - cycle: registry imports mlflow_tracker

            log_and_register(client, rid, list(models))
        client.set_terminated(
            rid, _STATUS.get(str(steprec.get("status")), "FAILED"), end_time=_ms(steprec.get("finished_at"))
        )
        return rid

    def finish(self, parent_id: str, record: dict, artifacts=()) -> None:
        """The run's outcome on its parent run: metrics, status, targets, run.json."""
        from mlflow.entities import Metric  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

        client = self.open()
        have = client.get_run(parent_id).data.metrics
        when = _ms(record.get("finished_at")) or int(time.time() * 1000)
        ms = [
            Metric(k, float(v), when, 0)
            for k, v in (record.get("metrics") or {}).items()
            if isinstance(v, (int, float)) and k not in have
        ]
        taken = {*have, *(m.key for m in ms)}
        ms += [Metric(k, v, when, 0) for k, v in usage_metrics(record, taken).items()]
        if ms:
            client.log_batch(parent_id, metrics=ms)
        client.set_tag(parent_id, "notebook_ops.status", record["status"])
        for t in record.get("targets") or []:
            met = "met" if t.get("met") else "missed"
            client.set_tag(parent_id, f"target.{t['metric']}", f"{t['condition']} -> {met}")
        for path, folder in artifacts:
            if Path(path).is_file():
                client.log_artifact(parent_id, str(path), artifact_path=folder)
        if self.outer is None:  # mlflow run closes the run it opened
            client.set_terminated(
                parent_id, _STATUS.get(record["status"], "FAILED"), end_time=_ms(record.get("finished_at"))
            )


def experiment_id(client, name: str, artifact_root: str | None) -> str:
    """The id of experiment ``name``, created (artifacts under ``artifact_root``) when missing."""
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    try:
        loc = f"{artifact_root}/{name}" if artifact_root else None
        return client.create_experiment(name, artifact_location=loc)
    except Exception:  # created meanwhile by a concurrent run
        exp = client.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


class Tracker:
    """A ``Session`` on one background thread, for processes that live long (the Jupyter server,
    the widgets' kernel, a library caller): calls return at once, MLflow's import and the store's
    writes overlap the kernels' work, and a slow or broken store never stalls or fails a run
    (the first error is kept in ``error`` and later work is dropped)."""

    def __init__(self, session: Session):
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - concurrent.futures costs 19 ms CPU to import, loaded on first use

        self.session = session
        self.error: str | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbo-mlflow")
        self.submit(session.open)

    def submit(self, fn, *args, **kw):
        def guarded():
            if self.error is not None:
                return
            try:
                fn(*args, **kw)
            except Exception as exc:  # tracking must never break a run
                self.error = first_line(exc)
                log.warning("MLflow tracking disabled for this run: %s", self.error)

        return self._pool.submit(guarded)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every queued write (False: not within ``timeout``; ``error`` says so)."""
        from concurrent.futures import TimeoutError as FutureTimeout  # noqa: PLC0415 - concurrent.futures costs 19 ms CPU to import, loaded on first use

        try:
            self._pool.submit(lambda: None).result(timeout=timeout)
        except FutureTimeout:
            self.error = self.error or f"MLflow writes did not finish within {timeout:g} s"
            self._pool.shutdown(wait=False)
            return False
        self._pool.shutdown(wait=True)
        return True
