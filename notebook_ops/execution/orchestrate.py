"""Run a pipeline: check the input, set up the run folder, run the steps, record the outcome.

The lifecycle is a template: ``prepare`` (everything that can be bad input raises a
NotebookOpsError before anything starts), ``execute`` (the step scheduler, or one kernel for
``single_kernel``), ``finish`` (metric targets, final status, MLflow, kernels stopped).
See the package docstring for the public API and the run folder contract.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops._version import __version__
from notebook_ops.errors import ConflictError, NotebookOpsError, ParameterError, PipelineInvalid
from notebook_ops.model.contracts.runs import GitInfo, RunOptions, RunRecord
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model import parameters as params_mod
from notebook_ops.execution.record import LiveRecord, new_step_record
from notebook_ops.execution.runfolder import RunFolder, find_run, new_run_id, now_iso
from notebook_ops.util.redact import redact
from notebook_ops.execution.runner_api import RunResult

if TYPE_CHECKING:
    from notebook_ops.execution.cluster import Cluster
    from notebook_ops.execution.kernels import KernelPool
    from notebook_ops.tracking.outbox import RunOutbox


def _shown_mlflow(info: dict) -> dict:
    """The MLflow facts a record shows: the tracking URI without its credentials."""
    if info.get("tracking_uri"):
        info["tracking_uri"] = redact(info["tracking_uri"])
    return info


def _import_papermill() -> None:
    """Warm the import in the background: the first step would otherwise pay for it."""
    from notebook_ops.execution.kernels import IMPORT_LOCK

    with IMPORT_LOCK:
        import papermill  # noqa: F401


def _base_dir(pipeline: Pipeline) -> Path:
    return Path(pipeline.path).resolve().parent if pipeline.path else Path.cwd()


class PipelineRun:
    def __init__(self, pipeline: Pipeline, **opts):
        self.pipeline = pipeline
        self.opts = opts
        self.cancel_event = opts.get("cancel") or threading.Event()
        self.tracker: RunOutbox | None = None
        self.pool: KernelPool | None = None
        self.publisher = None
        self.cluster: Cluster | None = None

    # --- prepare: every bad input is raised here, before anything runs -----------------------
    def _check_pipeline(self) -> None:
        p = self.pipeline
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

    def _select(self) -> list[str]:
        names = self.pipeline.step_names
        steps, from_step = self.opts.get("steps"), self.opts.get("from_step")
        if isinstance(steps, str):
            steps = [s.strip() for s in steps.split(",") if s.strip()]
        for n in list(steps or []) + ([from_step] if from_step else []):
            if n not in names:
                raise ParameterError(f"unknown step {n!r}", hint=f"steps: {', '.join(names)}")
        if from_step:
            chosen = {from_step} | self.pipeline.downstream(from_step)
            if steps:
                chosen &= set(steps)
        elif steps:
            chosen = set(steps)
        else:
            chosen = set(names)
        return [n for n in names if n in chosen]

    def _step_notebooks(self) -> dict:
        given = self.opts.get("step_notebooks")
        if self.opts.get("single_kernel"):
            from notebook_ops.execution.stepnb import build_single_kernel_notebook

            return {"_all": build_single_kernel_notebook(self.pipeline)}
        if given is not None:
            missing = [n for n in self.pipeline.step_names if n not in given]
            if missing:
                raise NotebookOpsError(f"no step notebook for {', '.join(missing)}", path=self.pipeline.path)
            return dict(given)
        from notebook_ops.execution.stepnb import build_step_notebook

        return {n: build_step_notebook(self.pipeline, n) for n in self.pipeline.step_names}

    def prepare(self) -> None:
        o = self.opts
        self._check_pipeline()
        self.base = Path(o["cwd"]).resolve() if o.get("cwd") else _base_dir(self.pipeline)
        self.runs_root = self.base / ".notebook_ops" / "runs"
        self._resolve_params(o.get("params") or {})
        self.selected = self._select()
        from notebook_ops.execution.cluster import cluster_address

        self.cluster_address = cluster_address(o.get("cluster"), self.pipeline.settings)
        if self.cluster_address and o.get("single_kernel"):
            raise ParameterError("--cluster runs each step as a task: it cannot run in a single kernel")
        # on a cluster, Dask queues the tasks: every step that can start is submitted
        jobs = o.get("jobs") or (len(self.selected) if self.cluster_address else os.cpu_count()) or 1
        if not isinstance(jobs, int) or jobs < 1:
            raise ParameterError(f"--jobs must be a positive integer, got {jobs!r}")
        self.jobs = jobs
        from notebook_ops.model.settings import KERNELS, kernels_mode

        self.kernels = kernels_mode(self.pipeline.settings, o.get("kernels"))
        if self.kernels not in KERNELS:
            raise ParameterError(f"kernels must be fork or fresh, got {self.kernels!r}")
        # --data-url, else the notebook's data_url setting, else the run folder's data/
        o["data_url"] = o.get("data_url") or (self.pipeline.settings or {}).get("data_url")
        self.resumed = None
        if o.get("resume"):
            self.resumed = find_run(o["resume"], self.runs_root)
        self.notebooks = self._step_notebooks()
        if o.get("mode", "pipeline") not in ("pipeline", "bundle"):
            raise ParameterError(f"mode must be pipeline or bundle, got {o.get('mode')!r}")
        # events: NOTEBOOK_OPS_EVENTS, ``events`` and the notebook's settings (bad URLs raise here)
        from notebook_ops.events.publish import publisher_for_run

        self.progress, self.publisher = publisher_for_run(self.pipeline, o.get("progress"), o.get("events"))

        # a run's id is its folder's name, so `runs show ID` finds any run, the scheduler's too
        run_id = Path(o["run_dir"]).name if o.get("run_dir") else new_run_id()
        folder = RunFolder(o.get("run_dir") or self.runs_root / run_id)
        if folder.record_path.exists():
            raise ConflictError(
                "this run folder already holds a run (run.json)",
                path=folder.path,
                hint="give an empty or new --run-dir",
            )
        self._check_stores(run_id)
        folder.create()
        self.folder = folder
        self.data_url = o["data_url"] or str(folder.data_dir)
        from notebook_ops.kernel_side.data_store import DataStore

        self.store = DataStore(self.data_url)
        # kernels work here: the notebook's folder, or a bundle's workspace (bundle/workspace.py)
        self.cwd = Path(o["kernel_cwd"]).resolve() if o.get("kernel_cwd") else self.base
        self._early_prewarm()

        from notebook_ops.util.gitstate import git_summary

        data = RunRecord(
            run_id=run_id,
            status="running",
            pipeline=self.pipeline.name,
            pid=os.getpid(),
            host=socket.gethostname(),
            source=str(Path(self.pipeline.path).resolve()) if self.pipeline.path else None,
            run_dir=str(folder.path),
            mode=o.get("mode", "pipeline"),
            started_at=now_iso(),
            parameters=self.params,
            notebook_hash=self.pipeline.notebook_hash,
            git=GitInfo.from_dict(git_summary(self.pipeline.path or self.base)),
            notebook_ops_version=__version__,
            tags=dict(o.get("tags") or {}),
            options=RunOptions(
                jobs=jobs,
                cache=bool(o.get("cache", True)),
                single_kernel=bool(o.get("single_kernel")),
                steps=self.selected,
                kernels=self.kernels,
                data_url=redact(self.data_url),  # a record shows no credential
                cluster=redact(self.cluster_address) if self.cluster_address else None,
            ),
            resumed_from=self.resumed.read()["run_id"] if self.resumed else None,
        ).to_dict()  # the runner keeps it as a dict; every write goes through the contract
        data["steps"] = {n: new_step_record() for n in self.pipeline.step_names}
        self.record = LiveRecord(folder, data, self.progress)
        self._t0 = time.monotonic()
        from notebook_ops.tracking.outbox import mode_of

        track = mode_of(o.get("track", True))
        if track:  # MLflow is logged beside the run, never on its way (tracking/outbox.py)
            from notebook_ops.tracking.outbox import RunOutbox

            promote = (self.pipeline.settings or {}).get("promote")
            self.tracker = RunOutbox(folder.path, self.pipeline.name, self.base, track, promote)
            data["mlflow"]["tracking_uri"] = redact(self.tracker.tracking_uri)
        self.record.save("run_started")
        if self.tracker:
            self.tracker.started()

    def _resolve_params(self, given: dict) -> None:
        """``self.params`` as records show them (secrets as ``***``); the secrets' values stay
        in memory (``self.secrets``) and reach the kernels through their environment only."""
        from notebook_ops.model import secrets as secrets_mod

        declared = self.pipeline.parameters
        values = params_mod.resolve_params(
            self.pipeline, secrets_mod.from_environment(declared), secrets_mod.unmasked(given, declared)
        )
        self.secret_names = secrets_mod.names(declared)
        self.secrets = {n: values[n] for n in self.secret_names if values[n] not in (None, "")}
        self.params = secrets_mod.masked(values, self.secret_names)

    def secret_env(self) -> dict[str, str]:
        """The kernel environment that carries the secrets (``NOTEBOOK_OPS_SECRET_<NAME>``)."""
        import json

        from notebook_ops.model.secrets import env_name

        return {env_name(n): v if isinstance(v, str) else json.dumps(v) for n, v in self.secrets.items()}

    def scrub_values(self) -> list[str]:
        """The texts masked in executed notebooks, logs and errors."""
        from notebook_ops.model.secrets import scrub_values

        return scrub_values(self.secrets.values())

    def _check_stores(self, run_id: str) -> None:
        """An object store (and a cluster's workers) must answer before anything starts: a
        marker written and read back, one line naming what is wrong otherwise."""
        from notebook_ops.kernel_side.data_store import check_store, is_url

        url = self.opts.get("data_url") or ""
        if is_url(url):
            check_store(url, f"_nbo_preflight/{run_id}")
        if not self.cluster_address:
            return
        if not (is_url(url) or url.startswith("file://")):
            raise ParameterError(
                "--cluster needs a data store every worker reaches",
                hint="give --data-url s3://bucket/prefix (gs://, az://), or file:///path on a disk "
                "every worker mounts",
            )
        from notebook_ops.execution.cluster import Cluster

        from notebook_ops.execution.cluster import dask_resources

        self.cluster = Cluster.connect(self.cluster_address, run_id)
        self.cluster.check(url)
        self.step_resources = {
            n: dask_resources(n, self.pipeline.step(n).options.get("resources") or {}, self.cluster.declared)
            for n in self.selected
        }

    def _early_prewarm(self) -> None:
        """Start kernels now, overlapping git, MLflow and papermill start-up, when a first step
        will surely run: its cache entry is missing (the same key the step scheduler computes),
        or the cache is off. A run whose first steps are cached starts none here: the scheduler
        starts the pool for the first step that misses, so a fully cached run starts no kernel
        and no zygote."""
        o = self.opts
        if self.cluster is not None:
            return
        if o.get("single_kernel"):
            self.kernel_pool().prewarm(1)
            return
        if o.get("resume") or not self.selected:
            return
        # the first wave: nothing runs before them, so their keys are known already
        first = [n for n in self.selected if not self.pipeline.step(n).after]
        if not first:
            return
        if o.get("cache", True) and not self.store.remote:
            from notebook_ops.execution.cache import StepCache
            from notebook_ops.execution.parallel import cache_key, cacheable

            cache = StepCache(self.base / ".notebook_ops" / "cache")

            def hit(n: str) -> bool:
                key = cache_key(self, n)
                return (
                    key is not None
                    and cacheable(self.pipeline, n)
                    and cache.lookup(self.pipeline.name, n, key) is not None
                )

            if all(hit(n) for n in first):
                return
        self.kernel_pool().prewarm(min(self.jobs + 1, len(self.selected)))
        threading.Thread(target=_import_papermill, daemon=True).start()  # after: kernels first

    # --- execute ---------------------------------------------------------------------------
    def kernel_pool(self):
        """Created on first need, so a fully cached run starts no kernel."""
        if self.pool is None:
            from notebook_ops.execution.kernels import KernelPool, setup_imports

            setup = [
                self.pipeline.cell(i).source
                for i in self.pipeline.setup_cells
                if self.pipeline.cell(i).cell_type == "code"
            ]
            self._kernel_log = open(self.folder.logs_dir / "kernels.log", "ab")
            from notebook_ops.execution.stepfiles import local_tops

            from notebook_ops.kernel_side.model_logging import preload_for

            preload = setup_imports(setup, exclude=local_tops(self.pipeline))
            code = [c.source for c in self.pipeline.cells if c.cell_type == "code"]
            self.pool = KernelPool(
                self.pipeline.kernel_name,
                cwd=self.cwd,
                preload=preload + preload_for(code, preload),
                log_file=self._kernel_log,
                kernels="fresh" if self.opts.get("single_kernel") else self.kernels,
                env=self.secret_env(),
            )
        return self.pool

    def kernel_parameters(self, step: str) -> dict:
        """What papermill injects: never a secret (the kernel reads those from its environment)."""
        return {
            **{k: v for k, v in self.params.items() if k not in self.secret_names},
            "_nbo_data_url": self.data_url,
            "_nbo_run_id": self.record.data["run_id"],
            "_nbo_step": step,
            "_nbo_mode": self.opts.get("mode", "pipeline"),
            "_nbo_run_dir": str(self.folder.path),
        }

    def execute(self) -> None:
        if self.opts.get("single_kernel"):
            from notebook_ops.execution.single_kernel import run_single_kernel

            run_single_kernel(self)
        else:
            from notebook_ops.execution.parallel import ParallelSteps

            ParallelSteps(self).run()

    # --- finish ----------------------------------------------------------------------------
    def log_step_to_tracker(self, name: str) -> None:
        if not self.tracker:
            return
        from notebook_ops.kernel_side.model_logging import MODELS, MODELS_JSON
        from notebook_ops.kernel_side.data_store import ARTIFACTS
        from notebook_ops.tracking.registry import lineage_tags

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
        from notebook_ops.model.contracts.runs import Observed
        from notebook_ops.kernel_side.data_store import OBSERVED

        raw = self.store.read_json((name, OBSERVED), default=None)
        if not isinstance(raw, dict):
            return
        try:
            self.record.step(name)["observed"] = Observed.from_dict(raw).to_dict()
        except (TypeError, ValueError, KeyError) as exc:
            import logging

            logging.getLogger(__name__).warning("step %s: unreadable %s: %s", name, OBSERVED, exc)

    def finish(self, interrupted: bool) -> None:
        from notebook_ops.execution.objectives import check_targets

        data = self.record.data
        statuses = {s: data["steps"][s]["status"] for s in data["steps"]}
        if interrupted or self.cancel_event.is_set():
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

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
        if self.pool is not None:
            self.pool.close(kill_running=True)
            self._kernel_log.close()
            if self.secrets:  # what kernel processes wrote themselves (os.system, fd 2)
                from notebook_ops.execution.papermill_exec import scrub_file

                scrub_file(self.folder.logs_dir / "kernels.log", self.scrub_values())

    def close_publisher(self) -> None:
        """Bounded (what is not delivered in time waits in the spool for the next run)."""
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None

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
                self.execute()
            except KeyboardInterrupt:
                interrupted = True
                self.cancel_event.set()
                if self.pool is not None:
                    self.pool.close(kill_running=True)
            except Exception as exc:  # a bug: still leave a consistent, final run.json
                crash = exc
                self.record.data["error"] = f"internal error: {type(exc).__name__}: {exc}"
                for st in self.record.data["steps"].values():
                    if st["status"] in ("pending", "running"):
                        st.update(status="failed", error="the runner stopped (internal error)")
                if self.pool is not None:
                    self.pool.close(kill_running=True)
        finally:
            self.close()
        try:
            self.finish(interrupted)
        finally:
            self.close_publisher()
        if crash is not None:
            raise crash
        d = self.record.data
        return RunResult(d["run_id"], self.folder.path, d["status"], d)
