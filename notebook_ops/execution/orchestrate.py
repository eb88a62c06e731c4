"""Run a pipeline: check the input, set up the run folder, run the steps, record the outcome.

Read top to bottom, as a run goes: ``run_notebook`` / ``run_pipeline`` (the entry points: the
pipeline checked, its options resolved once into a frozen ``RunConfig``, so bad input raises
before anything exists), then ``PipelineRun.run``, a template: ``prepare`` (parameters, the run
folder, the data store, the executor's own checks, the record, MLflow), ``execute`` (the
executor ``RunConfig.executor`` names: the step scheduler over forked or fresh kernels or Dask
tasks, or the whole notebook in one kernel), ``finish`` (metric targets, final status, MLflow),
``close``. See the package docstring for the public API and the run folder.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from notebook_ops._version import __version__
from notebook_ops.alerts.dispatch import notify, specs_of
from notebook_ops.alerts.occurrences import from_run
from notebook_ops.errors import ConflictError, NotebookOpsError, PipelineInvalid
from notebook_ops.events.publish import publisher_for_run, run_urls, with_settings_problems
from notebook_ops.execution.executors import Executor, executor_for
from notebook_ops.execution.objectives import check_targets
from notebook_ops.execution.options import RunConfig
from notebook_ops.execution.record import LiveRecord, new_step_record
from notebook_ops.execution.runfolder import RunFolder, find_run, new_run_id, now_iso
from notebook_ops.execution.single_kernel import ALL
from notebook_ops.execution.step_context import StepContext, secret_env
from notebook_ops.execution.stepnb import build_single_kernel_notebook, build_step_notebook
from notebook_ops.kernel_side.data_store import ARTIFACTS, OBSERVED, DataStore, check_store, is_url
from notebook_ops.kernel_side.model_logging import MODELS, MODELS_JSON
from notebook_ops.model import parameters as params_mod
from notebook_ops.model import secrets as secrets_mod
from notebook_ops.model.contracts.runs import EXIT_CODES, GitInfo, Observed, RunOptions, RunRecord
from notebook_ops.model.multi import load_pipeline
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.tracking.mlflow_tracker import default_tracking_uri
from notebook_ops.tracking.outbox import RunOutbox, mode_of
from notebook_ops.tracking.registry import lineage_tags
from notebook_ops.util.gitstate import git_summary
from notebook_ops.util.redact import redact

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str
    record: dict

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def run_notebook(path, *, params=None, params_file=None, **kw) -> RunResult:
    """Load the notebook at ``path`` and run it (see ``run_pipeline`` for the options)."""
    pipeline = with_settings_problems(load_pipeline(path))
    merged = {}
    if params_file:
        merged.update(params_mod.read_params_file(params_file))
    merged.update(params or {})
    return run_pipeline(pipeline, params=merged, **kw)


def run_pipeline(
    pipeline: Pipeline,
    **options,
) -> RunResult:
    """Run ``pipeline``; ``options`` are ``RunConfig.resolve``'s keyword arguments (one
    signature, documented there and in the package docstring). Bad input raises a
    NotebookOpsError before anything starts."""
    check_pipeline(pipeline)
    config = RunConfig.resolve(pipeline, **options)
    return PipelineRun(pipeline, config).run()


def _shown_mlflow(info: dict) -> dict:
    """The MLflow facts a record shows: the tracking URI without its credentials."""
    if info.get("tracking_uri"):
        info["tracking_uri"] = redact(info["tracking_uri"])
    return info


def check_pipeline(p: Pipeline) -> None:
    """A pipeline with errors, or with no code, does not run."""
    if not p.ok:
        first = p.errors[0]
        raise PipelineInvalid(
            f"the pipeline has {len(p.errors)} error(s); first: {first.message}",
            problems=p.errors,
            path=p.path,
            cell=first.cell,
            step=first.step,
            hint="run `notebook-ops lint` to see them all",
        )
    if not p.steps:
        raise PipelineInvalid("the notebook has no code to run", path=p.path)


def run_parameters(pipeline: Pipeline, given) -> tuple[dict, list[str], dict]:
    """A run's parameters from ``given`` over the defaults: (the values as records show them,
    secrets as ``***``; the secrets' names; their values). What the cache keys on is the first
    (``staleness.py`` asks the same for a run not started yet)."""
    declared = pipeline.parameters
    values = params_mod.resolve_params(
        pipeline, secrets_mod.from_environment(declared), secrets_mod.unmasked(dict(given), declared)
    )
    secret_names = secrets_mod.names(declared)
    secrets = {n: values[n] for n in secret_names if values[n] not in (None, "")}
    return secrets_mod.masked(values, secret_names), secret_names, secrets


class PipelineRun:
    """One run of ``pipeline`` (checked: ``check_pipeline``) with its resolved options."""

    def __init__(self, pipeline: Pipeline, config: RunConfig):
        self.pipeline = pipeline
        self.config = config
        self.executor: Executor = executor_for(self)
        self.runs_root = self.config.base / ".notebook_ops" / "runs"
        # set by prepare(): the run's parameters, folder, data store, record and trackers
        self.params: dict = {}  # as records show them (secrets as ***)
        self.secret_names: list[str] = []
        self.secrets: dict = {}  # secret values: kernels get them through their environment
        self.notebooks: dict[str, dict] = {}
        self.resumed: RunFolder | None = None
        self.folder: RunFolder
        self.data_url = ""
        self.store: DataStore
        self.record: LiveRecord
        self.progress = self.config.progress
        self.publisher = None
        self.tracker: RunOutbox | None = None
        # a tracked run's store, for the kernels too (MLflow calls in a step, models:/ URIs)
        self.kernel_tracking_uri: str | None = None
        self._t0 = time.monotonic()

    @property
    def selected(self) -> list[str]:
        return list(self.config.selected)

    @property
    def pool(self):
        """The local kernel pool, if the executor started one (None: no kernel started)."""
        return getattr(self.executor, "pool", None)

    # --- the run, as a template ---------------------------------------------------------------
    def run(self) -> RunResult:
        try:
            self.prepare()
        except BaseException:
            self.close()
            self.close_publisher()
            raise
        interrupted, crash = False, None
        try:
            try:
                self.executor.execute()
            except KeyboardInterrupt:
                interrupted = True
                self.config.cancel.set()
                self.executor.abort()
            except Exception as exc:  # a bug: still leave a consistent, final run.json
                crash = exc
                self.record.data["error"] = f"internal error: {type(exc).__name__}: {exc}"
                for st in self.record.data["steps"].values():
                    if st["status"] in ("pending", "running"):
                        st.update(status="failed", error="the runner stopped (internal error)")
                self.executor.abort()
        finally:
            self.close()
        try:
            self.finish(interrupted)
            self.send_alerts()
        finally:
            self.close_publisher()
        if crash is not None:
            raise crash
        d = self.record.data
        return RunResult(d["run_id"], self.folder.path, d["status"], d)

    # --- prepare: every bad input is raised here, before anything runs -----------------------
    def prepare(self) -> None:
        cfg = self.config
        self._resolve_params(cfg.params)
        if cfg.resume:
            self.resumed = find_run(cfg.resume, self.runs_root)
        self.notebooks = self._step_notebooks()
        # events: NOTEBOOK_OPS_EVENTS, ``events`` and the notebook's settings (bad URLs raise here)
        self.progress, self.publisher = publisher_for_run(self.pipeline, cfg.progress, cfg.events)
        # a run's id is its folder's name, so `runs show ID` finds any run, the scheduler's too
        run_id = cfg.run_dir.name if cfg.run_dir else new_run_id()
        folder = RunFolder(cfg.run_dir or self.runs_root / run_id)
        if folder.record_path.exists():
            raise ConflictError(
                "this run folder already holds a run (run.json)",
                path=folder.path,
                hint="give an empty or new --run-dir",
            )
        if cfg.data_url and is_url(cfg.data_url):  # an object store must answer first
            check_store(cfg.data_url, f"_nbo_preflight/{run_id}")
        self.executor.prepare(run_id)
        folder.create()
        self.folder = folder
        self.data_url = cfg.data_url or str(folder.data_dir)
        self.store = DataStore(self.data_url)
        if mode_of(cfg.track) and not os.environ.get("MLFLOW_TRACKING_URI"):
            self.kernel_tracking_uri = default_tracking_uri(cfg.base)[0]
        self.executor.warm_up()  # kernels start while git, MLflow and papermill start up
        self.record = LiveRecord(folder, self._new_record(run_id), self.progress)
        self._t0 = time.monotonic()
        track = mode_of(cfg.track)
        if track:  # MLflow is logged beside the run, never on its way (tracking/outbox.py)
            settings = self.pipeline.settings or {}
            sinks = run_urls(self.pipeline, cfg.progress, cfg.events)  # a promotion is published there
            self.tracker = RunOutbox(
                folder.path,
                self.pipeline.name,
                cfg.base,
                track,
                settings.get("promote"),
                sinks,
                alerts=settings.get("alerts"),  # the promotion's alerts go from where it is made
            )
            self.record.data["mlflow"]["tracking_uri"] = redact(self.tracker.tracking_uri)
        self.record.save("run_started")
        if self.tracker:
            self.tracker.started()

    def _resolve_params(self, given) -> None:
        """``self.params`` as records show them (secrets as ``***``); the secrets' values stay
        in memory (``self.secrets``) and reach the kernels through their environment only."""
        self.params, self.secret_names, self.secrets = run_parameters(self.pipeline, given)

    def _step_notebooks(self) -> dict:
        if self.config.single_kernel:
            return {ALL: build_single_kernel_notebook(self.pipeline)}
        given = self.config.step_notebooks
        if given is not None:
            missing = [n for n in self.pipeline.step_names if n not in given]
            if missing:
                raise NotebookOpsError(f"no step notebook for {', '.join(missing)}", path=self.pipeline.path)
            return dict(given)
        return {n: build_step_notebook(self.pipeline, n) for n in self.pipeline.step_names}

    def _new_record(self, run_id: str) -> dict:
        """run.json as it starts: every step pending (a dict shaped by ``RunRecord``)."""
        cfg = self.config
        data = RunRecord(
            run_id=run_id,
            status="running",
            pipeline=self.pipeline.name,
            pid=os.getpid(),
            host=socket.gethostname(),
            source=str(Path(self.pipeline.path).resolve()) if self.pipeline.path else None,
            run_dir=str(self.folder.path),
            mode=cfg.mode,  # type: ignore[arg-type]  # RunConfig checked it
            started_at=now_iso(),
            parameters=self.params,
            notebook_hash=self.pipeline.notebook_hash,
            git=GitInfo.from_dict(git_summary(self.pipeline.path or cfg.base)),
            notebook_ops_version=__version__,
            tags=dict(cfg.tags),
            options=RunOptions(
                jobs=cfg.jobs,
                cache=cfg.cache,
                single_kernel=cfg.single_kernel,
                steps=list(cfg.selected),
                kernels=cfg.kernels,
                data_url=redact(self.data_url),  # a record shows no credential
                cluster=redact(cfg.cluster) if cfg.cluster else None,
            ),
            resumed_from=self.resumed.read()["run_id"] if self.resumed else None,
        ).to_dict()  # the runner keeps it as a dict; every write goes through the contract
        data["steps"] = {n: new_step_record() for n in self.pipeline.step_names}
        return data

    # --- what a step's kernel is given -------------------------------------------------------
    def kernel_env(self) -> dict[str, str]:
        """The kernels' environment: the secrets (``NOTEBOOK_OPS_SECRET_<NAME>``) and, for a
        tracked run, its MLflow store (``MLFLOW_TRACKING_URI``), so a step's own MLflow calls
        and ``mlflow.pyfunc.load_model("models:/NAME@ALIAS")`` use the registry the run does."""
        return {**secret_env(self.secrets), **self._tracking_env()}

    def _tracking_env(self) -> dict[str, str]:
        uri = self.kernel_tracking_uri
        return {"MLFLOW_TRACKING_URI": uri} if uri else {}

    def scrub_values(self) -> list[str]:
        """The texts masked in executed notebooks, logs and errors."""
        return secrets_mod.scrub_values(self.secrets.values())

    def context_for(self, step: str, notebook: dict, out_path, log_path, timeout=None) -> StepContext:
        """The kernel's parameters (never a secret: those go through its environment)."""
        return StepContext.build(
            step,
            notebook,
            values={k: v for k, v in self.params.items() if k not in self.secret_names},
            secrets=self.secrets,
            data_url=self.data_url,
            run_id=self.record.data["run_id"],
            mode=self.config.mode,
            run_dir=str(self.folder.path),
            out_path=out_path,
            log_path=log_path,
            timeout=timeout,
            cwd=self.config.kernel_cwd,
            env=self._tracking_env(),
        )

    def step_context(self, step: str) -> StepContext:
        return self.context_for(
            step,
            self.notebooks[step],
            self.folder.step_notebook(step),
            self.folder.step_log(step),
            self.pipeline.step(step).options.get("timeout"),
        )

    # --- finish ----------------------------------------------------------------------------
    def log_step_to_tracker(self, name: str) -> None:
        if not self.tracker:
            return
        steprec = self.record.step(name)
        step = self.pipeline.step(name)
        params = {k: self.params[k] for k in step.parameters_read if k in self.params}
        metrics = self.store.read_json((name, "_metrics.json"), default=[]) or []
        artifacts = []
        if steprec.get("notebook"):
            artifacts.append((steprec["notebook"], "notebooks"))
        if not self.store.remote:
            adir = Path(self.store.path(name, ARTIFACTS))
            if adir.is_dir():
                artifacts += [(str(f), "artifacts") for f in sorted(adir.iterdir()) if f.is_file()]
        models = []
        if not self.store.remote and steprec.get("status") == "succeeded" and not steprec.get("cached"):
            tags = lineage_tags(self.record.data, name, params, steprec)
            for m in self.store.read_json((name, MODELS_JSON), default=[]) or []:
                path = self.store.path(name, MODELS, m["name"])
                models.append({"name": m["name"], "flavor": m.get("flavor"), "path": path, "tags": tags})
        self.tracker.step(name, dict(steprec), params, metrics, artifacts, models)

    def collect_metrics(self, name: str, observed: bool = True) -> None:
        """The step's metrics, the objects it changed at run time and (``observed``: it ran
        here, not reused) what its code was observed doing, from the data store into the record."""
        if observed:
            self.collect_observed(name)
        rows = self.store.read_json((name, "_metrics.json"), default=[]) or []
        per_step = {}
        for m in rows:
            per_step[m["name"]] = m["value"]
        self.record.step(name)["metrics"] = per_step
        self.record.data["metrics"].update(per_step)
        outputs = self.store.manifest(name).get("outputs") or {}
        changed = sorted(n for n, e in outputs.items() if e.get("changed_at_run"))
        if changed:  # found by the runtime check, not the analysis: tell the user once
            self.record.step(name)["changed_at_run"] = changed

    def collect_observed(self, name: str) -> None:
        raw = self.store.read_json((name, OBSERVED), default=None)
        if not isinstance(raw, dict):
            return
        try:
            self.record.step(name)["observed"] = Observed.from_dict(raw).to_dict()
        except (TypeError, ValueError, KeyError) as exc:
            log.warning("step %s: unreadable %s: %s", name, OBSERVED, exc)

    def finish(self, interrupted: bool) -> None:
        data = self.record.data
        statuses = {s: data["steps"][s]["status"] for s in data["steps"]}
        if interrupted or self.config.cancel.is_set():
            status = "cancelled"
            for s, st in statuses.items():
                if st in ("pending", "running"):
                    data["steps"][s]["status"] = "cancelled"
        elif any(st == "failed" for st in statuses.values()):
            status = "failed"
        else:
            status = "succeeded"
        partial = len(self.selected) < len(self.pipeline.steps)
        data["targets"] = check_targets(
            self.pipeline.settings.get("metric_targets"), data["metrics"], partial=partial
        )
        if status == "succeeded" and any(t["met"] is False for t in data["targets"]):
            status = "below_target"
        failed = [s for s, st in statuses.items() if st == "failed"]
        if failed and not data["error"]:
            first = data["steps"][failed[0]]
            data["error"] = f"step {failed[0]}: {first['error']}"
        data["status"] = status
        self.record.total_usage()
        data["finished_at"] = now_iso()
        data["duration_s"] = round(time.monotonic() - self._t0, 3)
        if self.tracker and self.tracker.mode == "process":
            # the follower owns run.json from the final write on (it adds the MLflow run id)
            data["mlflow"] = _shown_mlflow({**data["mlflow"], **self.tracker.finish()})
        # the outcome is final now: readers see it at once, even while MLflow (whose import
        # and store set-up take seconds on a busy machine) is still being written
        self.record.save("run_finished")
        if self.tracker and self.tracker.mode == "thread":
            data["mlflow"] = _shown_mlflow({**data["mlflow"], **self.tracker.finish(timeout=300)})
            self.record.save()

    def send_alerts(self) -> None:
        """The pipeline's alerts for this run's outcome (failed, below its targets): sent from
        here, within a bounded wait; never raises (``notebook_ops.alerts``)."""
        specs = specs_of((self.pipeline.settings or {}).get("alerts"))
        if specs:
            notify(from_run(self.record.data), specs)

    def close(self) -> None:
        self.executor.close()

    def close_publisher(self) -> None:
        """Bounded (what is not delivered in time waits in the spool for the next run)."""
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None
