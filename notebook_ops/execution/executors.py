"""How a run's steps execute: one executor per way, chosen once from ``RunConfig.executor``.

``EXECUTORS`` maps that key to a class; the orchestrator asks nothing else about kernels, forks,
single kernels or clusters. A ``StepExecutor`` runs one step at a time for the step scheduler
(``parallel.ParallelSteps``: order, cache, retries, the record), from a ``StepContext``:

- ``ForkedKernelExecutor``: kernels forked from a warmed zygote (``kernels: fork``, the default);
- ``FreshKernelExecutor``: a freshly started kernel per step (``--kernels fresh``);
- ``DaskTaskExecutor``: each step a task on a dask.distributed cluster (``--cluster``).

``SingleKernelExecutor`` is not a step executor: it runs the whole pipeline as one notebook in
one kernel (``--single-kernel``), so it has ``execute(run)`` only. ``execute_step`` (standalone)
is a ``run-step`` task: one ``StepContext`` in one fresh kernel, with no run around it.

Lifecycle (the orchestrator's template): ``prepare(run_id)`` (bad input raises here, before the
run starts), ``warm_up()`` (start kernels early when a step will surely run), ``execute(run)``,
``abort()`` (interrupted: kill what runs), ``close()``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from notebook_ops.errors import ParameterError
from notebook_ops.execution.cache import StepCache
from notebook_ops.execution.kernels import IMPORT_LOCK, KernelPool, move_kernel, setup_imports
from notebook_ops.execution.papermill_exec import Outcome, execute, scrub_file
from notebook_ops.execution.parallel import ParallelSteps, cache_key, cacheable
from notebook_ops.execution.step_context import StepContext
from notebook_ops.execution.stepfiles import local_tops
from notebook_ops.kernel_side.data_store import backend_modules, is_url
from notebook_ops.kernel_side.model_logging import preload_for

if TYPE_CHECKING:
    from notebook_ops.execution.cluster import Cluster
    from notebook_ops.execution.orchestrate import PipelineRun


class Executor(Protocol):
    """What the orchestrator calls, in this order."""

    def prepare(self, run_id: str) -> None: ...
    def warm_up(self) -> None: ...
    def execute(self) -> None: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...


class StepExecutor(Executor, Protocol):
    """What the step scheduler calls for each step."""

    def submit(self, ctx: StepContext) -> Future[Outcome]: ...
    def keep_ready(self, waiting: int) -> None: ...
    def placed(self) -> list[dict]: ...
    def fail_lost(self, step: str, why: str) -> None: ...
    def cancel(self) -> None: ...


def run_in_kernel(ctx: StepContext, km, kill) -> Outcome:
    """Every executor's step: papermill runs ``ctx`` in the started kernel ``km``; ``kill``
    stops it (a timeout)."""
    return execute(
        ctx.notebook,
        ctx.out_path,
        km=km,
        parameters=dict(ctx.parameters),
        timeout=ctx.timeout,
        log_path=ctx.log_path,
        kill=kill,
        secrets=list(ctx.scrub),
    )


def pipeline_preload(p) -> list[str]:
    """What a step's kernel imports ahead (in its zygote, when forked): the setup cells'
    libraries (not the project's own modules) and what the code's model logging needs."""
    setup = [p.cell(i).source for i in p.setup_cells if p.cell(i).cell_type == "code"]
    preload = setup_imports(setup, exclude=local_tops(p))
    code = [c.source for c in p.cells if c.cell_type == "code"]
    return preload + preload_for(code, preload)


def import_papermill() -> None:
    """Warm the import in the background: the first step would otherwise pay for it (here, and
    on each Dask worker: ``worker_zygote.py``)."""
    with IMPORT_LOCK:
        import papermill  # noqa: F401, PLC0415 - warmed in a thread under IMPORT_LOCK


class _LocalKernels:
    """Kernels of a ``KernelPool`` on this machine, created on first need (a fully cached run
    starts no kernel and no zygote); their own output goes to ``logs/kernels.log``."""

    kernels = "fresh"

    def __init__(self, run: PipelineRun):
        self.run = run
        self.pool: KernelPool | None = None
        self._kernel_log: BinaryIO | None = None
        self.kms: dict[str, object] = {}  # step name -> the kernel manager running it

    def kernel_pool(self) -> KernelPool:
        if self.pool is None:
            p = self.run.pipeline
            self._kernel_log = open(self.run.folder.logs_dir / "kernels.log", "ab")
            self.pool = KernelPool(
                p.kernel_name,
                cwd=self.run.config.kernel_cwd,
                preload=pipeline_preload(p),
                log_file=self._kernel_log,
                kernels=self.kernels,
                env=self.run.kernel_env(),
            )
        return self.pool

    def prepare(self, run_id: str) -> None:
        pass

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.close(kill_running=True)

    def close(self) -> None:
        if self.pool is None or self._kernel_log is None:
            return
        self.pool.close(kill_running=True)
        self._kernel_log.close()
        self._kernel_log = None
        if self.run.secrets:  # what kernel processes wrote themselves (os.system, fd 2)
            scrub_file(self.run.folder.logs_dir / "kernels.log", self.run.scrub_values())

    def _run_in(self, ctx: StepContext, km) -> Outcome:
        """In the kernel's own thread (see kernels.py)."""
        self.kms[ctx.step] = km
        try:
            if self.run.config.cancel.is_set():
                return Outcome(False, "cancelled", ename="Cancelled")
            return run_in_kernel(ctx, km, self.kernel_pool().kill)
        finally:
            self.kms.pop(ctx.step, None)

    def cancel(self) -> None:
        for km in list(self.kms.values()):
            if self.pool is not None:
                self.pool.kill(km)


class KernelPoolExecutor(_LocalKernels):
    """Each step a job of the local kernel pool, up to ``jobs`` at a time."""

    def warm_up(self) -> None:
        """Start kernels now, overlapping git, MLflow and papermill start-up, when a first step
        will surely run: its cache entry is missing (the key the step scheduler computes), or
        the cache is off. A run whose first steps are cached starts none here."""
        run, cfg = self.run, self.run.config
        if cfg.resume or not cfg.selected:
            return
        first = [n for n in cfg.selected if not run.pipeline.step(n).after]  # nothing before them
        if not first:
            return
        if cfg.cache and not run.store.remote:
            cache = StepCache(cfg.base / ".notebook_ops" / "cache")

            def hit(n: str) -> bool:
                key = cache_key(run, n)
                return (
                    key is not None
                    and cacheable(run.pipeline, n)
                    and cache.lookup(run.pipeline.name, n, key) is not None
                )

            if all(hit(n) for n in first):
                return
        self.kernel_pool().prewarm(min(cfg.jobs + 1, len(cfg.selected)))
        threading.Thread(target=import_papermill, daemon=True).start()  # after: kernels first

    def execute(self) -> None:
        ParallelSteps(self.run, self).run()

    def submit(self, ctx: StepContext) -> Future[Outcome]:
        return self.kernel_pool().submit(lambda km: self._run_in(ctx, km))

    def keep_ready(self, waiting: int) -> None:
        # once a step's kernel is up (not before: on few cores, kernels starting together
        # all start late), keep kernels ready for the steps to come
        if self.kms and self.pool is not None:
            self.pool.prewarm(waiting)

    def placed(self) -> list[dict]:
        return []

    def fail_lost(self, step: str, why: str) -> None:
        pass  # a local kernel is never moved


class ForkedKernelExecutor(KernelPoolExecutor):
    """Step kernels forked from a zygote that imported the setup cells' libraries once."""

    kernels = "fork"


class FreshKernelExecutor(KernelPoolExecutor):
    """A freshly started kernel per step (``--kernels fresh``: no fork, e.g. on macOS)."""

    kernels = "fresh"


class SingleKernelExecutor(_LocalKernels):
    """The whole pipeline as one notebook in one fresh kernel (``single_kernel.py``)."""

    kernels = "fresh"

    def warm_up(self) -> None:
        self.kernel_pool().prewarm(1)

    def execute(self) -> None:
        from notebook_ops.execution.single_kernel import run_single_kernel  # noqa: PLC0415 - cycle: single_kernel runs through run_in_kernel

        run_single_kernel(self.run, self)


class DaskTaskExecutor:
    """Each step a task on a dask.distributed cluster (``cluster.py``); the step scheduler
    stays here. Its data store must be one every worker reaches."""

    def __init__(self, run: PipelineRun):
        self.run = run
        self.cluster: Cluster | None = None
        self.resources: dict[str, dict] = {}  # step -> Dask resources of its task
        self.tokens: dict[str, str] = {}  # step -> the token of its current task
        self.zygote: str | None = None  # the worker plugin keeping a warm zygote per worker

    def prepare(self, run_id: str) -> None:
        from notebook_ops.execution.cluster import Cluster, dask_resources  # noqa: PLC0415 - cycle: cluster_task runs steps through execute_step

        cfg = self.run.config
        url = cfg.data_url or ""
        if not (is_url(url) or url.startswith("file://")):
            raise ParameterError(
                "--cluster needs a data store every worker reaches",
                hint="give --data-url s3://bucket/prefix (gs://, az://), or file:///path on a disk "
                "every worker mounts",
            )
        assert cfg.cluster is not None  # RunConfig chose this executor for it
        self.cluster = Cluster.connect(cfg.cluster, run_id)
        self.cluster.check(url)
        pipeline = self.run.pipeline
        self.resources = {
            n: dask_resources(n, pipeline.step(n).options.get("resources") or {}, self.cluster.declared)
            for n in cfg.selected
        }

    def warm_up(self) -> None:
        """Each worker warms a zygote with the setup cells' libraries (``--kernels fresh``: none),
        while the first steps are being submitted."""
        cfg = self.run.config
        if self.cluster is not None and cfg.kernels == "fork" and cfg.selected:
            p = self.run.pipeline
            preload = pipeline_preload(p) + backend_modules(cfg.data_url or "")  # s3fs: ~2.5 s a step
            self.zygote = self.cluster.start_zygotes(p.kernel_name, preload)

    def execute(self) -> None:
        ParallelSteps(self.run, self).run()

    def submit(self, ctx: StepContext) -> Future[Outcome]:
        from notebook_ops.execution.cluster import new_task  # noqa: PLC0415 - cycle: cluster_task runs steps through execute_step

        assert self.cluster is not None
        task = new_task(self.run.pipeline, ctx.elsewhere(), self.run.config.kernel_cwd, zygote=self.zygote)
        self.tokens[ctx.step] = task.token
        return self.cluster.submit(
            task,
            resources=self.resources.get(ctx.step) or {},
            notebook_path=ctx.out_path,
            log_path=ctx.log_path,
        )

    def keep_ready(self, waiting: int) -> None:
        pass

    def placed(self) -> list[dict]:
        """Starts of this run's current tasks on workers since the last call."""
        if self.cluster is None:
            return []
        return [m for m in self.cluster.starts() if self.tokens.get(str(m.get("step"))) == m.get("token")]

    def fail_lost(self, step: str, why: str) -> None:
        if self.cluster is not None:
            self.cluster.fail_lost(self.tokens[step], why)

    def cancel(self) -> None:
        if self.cluster is not None:
            self.cluster.cancel_all()

    def abort(self) -> None:
        self.cancel()

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None


EXECUTORS: dict[str, type] = {
    "fork": ForkedKernelExecutor,
    "fresh": FreshKernelExecutor,
    "single_kernel": SingleKernelExecutor,
    "cluster": DaskTaskExecutor,
}


def executor_for(run: PipelineRun) -> Executor:
    """The executor ``run.config.executor`` names."""
    return EXECUTORS[run.config.executor](run)


def execute_step(
    ctx: StepContext, *, preload=(), stop: threading.Event | None = None, kernels: KernelPool | None = None
) -> Outcome:
    """A ``run-step`` task (an orchestrator's, or a Dask worker's): ``ctx`` in a fresh kernel
    started in ``ctx.cwd``, stopped afterwards, or as soon as ``stop`` is set (a cancelled run:
    the step ends as a dead kernel). The kernel's own stderr goes beside the step's log.
    ``kernels``: a pool of kernels started ahead (a Dask worker's, forked from its zygote:
    ``worker_zygote.py``): the step takes one, moves it into ``ctx.cwd`` and ``ctx.env``
    (``move_kernel``), and the pool shuts it down once the outcome is set, off the step's path.
    The outcome's ``startup_s`` and ``code_s``: until the kernel was ready, then the notebook's
    run in it."""
    t0 = time.monotonic()
    kernel = (ctx.notebook.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
    kernel_log = Path(f"{ctx.log_path}.kernel")
    klog: BinaryIO | None = None
    pool = kernels
    if pool is None:
        klog = open(kernel_log, "ab")
        pool = KernelPool(kernel, cwd=ctx.cwd, preload=preload, log_file=klog, env=dict(ctx.env))
    done = threading.Event()

    def work(km) -> Outcome:
        if kernels is not None:
            move_kernel(km, ctx.cwd, ctx.env)
        ready = time.monotonic()
        if stop is not None:
            threading.Thread(target=_kill_on_stop, args=(stop, done, pool, km), daemon=True).start()
        try:
            outcome = run_in_kernel(ctx, km, pool.kill)
            outcome.startup_s = round(ready - t0, 3)
            outcome.code_s = round(time.monotonic() - ready, 3)
            return outcome
        finally:
            done.set()

    try:
        return pool.submit(work).result()
    except RuntimeError as exc:  # the kernel did not start
        return Outcome(False, str(exc), ename="KernelStartError")
    finally:
        done.set()
        if klog is not None:  # the pool is this step's own
            pool.close(kill_running=True)
            klog.close()
            if ctx.scrub:  # what the kernel process wrote itself (os.system, fd 2)
                scrub_file(kernel_log, list(ctx.scrub))


def _kill_on_stop(stop: threading.Event, done: threading.Event, pool, km) -> None:
    while not done.is_set():
        if stop.wait(0.2):
            pool.kill(km)
            return


__all__ = [
    "EXECUTORS",
    "DaskTaskExecutor",
    "Executor",
    "ForkedKernelExecutor",
    "FreshKernelExecutor",
    "SingleKernelExecutor",
    "StepExecutor",
    "execute_step",
    "executor_for",
]
