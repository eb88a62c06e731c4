"""Steps on a dask.distributed cluster: ``notebook-ops run --cluster tcp://HOST:8786``.

Only where a step executes changes. The step scheduler (``parallel.py``: graph order, cache
keys, retries, skipping, the run record and its progress events) stays on the machine that
started the run, with the run folder and MLflow; where a local run hands a step to a kernel of
its pool, a cluster run submits it here as one Dask task (``cluster_task.run_task``) carrying
the step notebook, its parameters and the project files it reads; each worker keeps a zygote
warmed with the setup cells' libraries (``start_zygotes``, ``worker_zygote.py``), so the task
forks a ready kernel. Inputs and outputs go through the shared data store, which every worker
must reach: ``check`` proves it (and that the workers can run notebook-ops at all) before any
step starts.

Step ``resources`` become Dask worker resources (``dask worker --resources gpu=1``); one that no
worker declares is refused up front, except cpu and memory: Dask places tasks by threads, so
those stay hints for the Kubernetes targets unless the workers declare them. A lost worker: Dask
starts the task again on another one; each such start counts as an attempt of the step, and past
the step's ``retries`` the step fails. Cancelling sets each running task's Dask ``Event`` (its
worker then kills the kernel) and cancels the futures.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import queue
import time
import uuid
from pathlib import Path
from typing import Any

from notebook_ops.errors import NotebookOpsError
from notebook_ops.execution.cluster_task import STARTED_TOPIC, StepTask, cancel_event_name, probe, run_task
from notebook_ops.execution.papermill_exec import Outcome
from notebook_ops.execution.step_context import StepContext
from notebook_ops.util import atomic
from notebook_ops.util.quantity import parse_quantity
from notebook_ops.util.redact import redact, redact_text

log = logging.getLogger(__name__)
ENV = "NOTEBOOK_OPS_CLUSTER"
LOCAL = ("", "local")  # --cluster local: run here even when the variable or the settings name one
HINTS_ONLY = ("cpu", "memory")  # not placement constraints unless some worker declares them


class ClusterError(NotebookOpsError):
    """The cluster cannot run this pipeline: unreachable, no workers, a resource none has."""


def cluster_address(option: str | None, settings: dict | None) -> str | None:
    """``--cluster``, else ``NOTEBOOK_OPS_CLUSTER``, else ``metadata.notebook_ops.cluster``;
    None (or ``local``): run on this machine."""

    for value in (option, os.environ.get(ENV), (settings or {}).get("cluster")):
        if value is not None and str(value).strip() != "":
            return None if str(value).strip() in LOCAL else str(value).strip()
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact_text(f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": "))


def dask_resources(step: str, resources: dict, declared: dict[str, float]) -> dict[str, float]:
    """The Dask resources a step's task asks for; ClusterError for a need no worker can meet.
    ``declared``: resource name -> the most any one worker has."""
    out = {}
    for name, value in sorted((resources or {}).items()):
        if value in (None, "", 0, "0"):
            continue
        try:
            amount = parse_quantity(value)
        except ValueError:
            continue  # not an amount (e.g. gpu_vendor: nvidia.com)
        if name not in declared:
            if name in HINTS_ONLY:
                continue
            raise ClusterError(
                f"needs {name}={value}, which no worker of the cluster declares",
                step=step,
                hint=f"start workers with `dask worker ... --resources {name}=N`, or drop it "
                "from the step's resources",
            )
        if amount > declared[name]:
            raise ClusterError(
                f"needs {name}={value}; the most any worker has is {declared[name]:g}",
                step=step,
                hint="start a bigger worker, or lower the step's resources",
            )
        out[name] = amount
    return out


def _project_root(pipeline, kernel_cwd: Path) -> Path | None:
    """Where the project's files are on this machine: the checkout, or a bundle's workspace
    (its kernels' folder is the notebook's folder in it)."""
    project = pipeline.project
    if project is None:
        return None
    if project.root:
        return Path(project.root)
    root = Path(kernel_cwd)
    for _ in Path(project.notebook_dir).parts if project.notebook_dir != "." else ():
        root = root.parent
    return root


def step_files(pipeline, step_name: str, kernel_cwd) -> tuple[str, dict[str, bytes]]:
    """(the notebook's folder in the project, {project-relative path: bytes}) that travel with
    a step's task: the project's code and the data files the step reads."""
    project = pipeline.project
    root = _project_root(pipeline, Path(kernel_cwd))
    if project is None or root is None:
        return ".", {}
    rels = [path for path, _ in project.modules]
    for asset in pipeline.step(step_name).assets:
        full = root / asset
        if full.is_file():
            rels.append(asset)
        elif full.is_dir():
            rels += sorted(p.relative_to(root).as_posix() for p in full.rglob("*") if p.is_file())
    return project.notebook_dir, {rel: (root / rel).read_bytes() for rel in rels if (root / rel).is_file()}


class Cluster:
    """A connection to a Dask scheduler for one run: ``check``, ``submit``, ``starts``,
    ``fail_lost``, ``cancel_all``, ``close``."""

    def __init__(self, client, address: str, run_id: str):
        self.client = client
        self.address = address
        self.run_id = run_id
        self.declared: dict[str, float] = {}
        self._futures: dict[str, Any] = {}  # token -> Dask future of a submitted step
        self._starts: queue.Queue = queue.Queue()
        self._lost: dict[str, str] = {}  # token -> why we cancelled it (a lost worker)
        client.subscribe_topic(STARTED_TOPIC, self._on_started)

    @classmethod
    def connect(cls, address: str, run_id: str, timeout: float = 20.0) -> Cluster:
        try:
            from distributed import Client  # noqa: PLC0415 - distributed is optional (the cluster extra)
        except ImportError:
            raise ClusterError(
                "--cluster needs dask.distributed on this machine", hint="pip install 'dask[distributed]'"
            ) from None
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {redact(address)}: {_one_line(exc)}",
                hint="start one with `dask scheduler` (and workers with `dask worker ADDRESS`), "
                "or fix --cluster / NOTEBOOK_OPS_CLUSTER",
            ) from None
        return cls(client, address, run_id)

    # --- before any step -------------------------------------------------------------------
    def check(self, data_url: str, timeout: float = 60.0) -> None:
        """Workers exist, import notebook-ops and can write and read the data store."""

        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(
                f"the Dask cluster at {redact(self.address)} has no workers",
                hint="start some with `dask worker ADDRESS`",
            ) from None
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        for w in workers.values():
            for name, amount in (w.get("resources") or {}).items():
                self.declared[name] = max(self.declared.get(name, 0.0), float(amount))
        marker = f"_nbo_preflight/{self.run_id}"
        pool = concurrent.futures.ThreadPoolExecutor(1)
        try:
            answers = pool.submit(self.client.run, probe, data_url, marker, on_error="return").result(timeout)
        except concurrent.futures.TimeoutError:
            raise ClusterError(
                f"the workers did not answer within {timeout:g} s whether they reach the data store",
                hint="check the workers' network and credentials for the store",
            ) from None
        finally:
            pool.shutdown(wait=False)
        names = {addr: str(w.get("name") or addr) for addr, w in workers.items()}
        for addr, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                missing = isinstance(answer, ModuleNotFoundError)
                raise ClusterError(
                    f"worker {names.get(addr, addr)} cannot "
                    + ("run notebook-ops" if missing else f"use the data store {redact(data_url)}")
                    + f": {_one_line(answer)}",
                    hint="install the bundle's requirements.txt on the workers"
                    if missing
                    else "give the workers credentials for the store in their environment",
                )

    def start_zygotes(self, kernel_name: str, preload) -> str | None:
        """Register the worker plugin that keeps a zygote warmed with ``preload`` on each worker
        (``worker_zygote.py``); its name for the tasks, or None when the workers refused it (they
        then start a fresh kernel per step, as before)."""
        try:
            from notebook_ops.execution.worker_zygote import ZygotePlugin  # noqa: PLC0415 - distributed is optional (the cluster extra)

            plugin = ZygotePlugin(kernel_name, preload)
            self.client.register_plugin(plugin, name=plugin.name)
        except Exception as exc:  # an older notebook-ops on a worker, a plugin it could not set up
            log.warning("the workers keep no warm zygote (a fresh kernel per step): %s", _one_line(exc))
            return None
        return plugin.name

    # --- steps -----------------------------------------------------------------------------
    def submit(
        self, task: StepTask, *, resources: dict, notebook_path, log_path
    ) -> concurrent.futures.Future:
        """Run ``task`` on a worker; a Future of its ``Outcome`` (``worker`` set), the executed
        notebook and log written to ``notebook_path`` / ``log_path`` on this machine."""

        done: concurrent.futures.Future = concurrent.futures.Future()
        task.submitted_at = time.time()
        fut = self.client.submit(
            run_task,
            task,
            key=f"nbo-{task.step}-{task.token}",
            pure=False,
            retries=0,  # retries are the runner's, per the step's settings
            resources=resources or None,
        )
        self._futures[task.token] = fut
        fut.add_done_callback(lambda f: self._finished(f, task, done, Path(notebook_path), Path(log_path)))
        return done

    def _finished(self, fut, task: StepTask, done, nb_path: Path, log_path: Path) -> None:
        """In a thread of the Dask client: the task's result, as the runner's ``Outcome``."""
        try:
            if fut.status == "cancelled":
                why = self._lost.pop(task.token, None)
                outcome = Outcome(False, why or "cancelled", ename="WorkerLost" if why else "Cancelled")
            else:
                res = fut.result()
                if res.get("notebook") is not None:
                    atomic.write_bytes(nb_path, res["notebook"])
                atomic.write_text(log_path, res.get("log") or "")
                known = {f.name for f in dataclasses.fields(Outcome)}
                outcome = Outcome(**{k: v for k, v in res["outcome"].items() if k in known})
                outcome.worker = res.get("worker")
        except Exception as exc:  # the task could not run: workers lost, a result that would not unpickle
            outcome = Outcome(
                False, f"the cluster could not run the step: {_one_line(exc)}", ename="ClusterError"
            )
        finally:
            self._futures.pop(task.token, None)
        done.set_result(outcome)

    def _on_started(self, event) -> None:
        _, msg = event
        if isinstance(msg, dict) and msg.get("run_id") == self.run_id:
            self._starts.put(msg)

    def starts(self) -> list[dict]:
        """Step starts on workers since the last call: ``{"step", "token", "name"}`` each
        (``name``: the worker's)."""
        out = []
        while True:
            try:
                out.append(self._starts.get_nowait())
            except queue.Empty:
                return out

    def fail_lost(self, token: str, why: str) -> None:
        """Stop a task Dask restarted after its worker was lost; its step fails with ``why``."""
        self._lost[token] = why
        self._stop([token])

    def _stop(self, tokens: list[str]) -> None:
        from distributed import Event  # noqa: PLC0415 - distributed is optional (the cluster extra)

        futures = [self._futures[t] for t in tokens if t in self._futures]
        for t in tokens:
            try:
                Event(cancel_event_name(self.run_id, t), client=self.client).set()
            except Exception:  # the scheduler is gone: so are the steps
                pass
        if futures:
            self.client.cancel(futures, force=True)

    def cancel_all(self) -> None:
        self._stop(list(self._futures))

    def close(self) -> None:
        try:
            self.client.close(timeout=10)
        except Exception:  # a scheduler already gone
            pass


def new_task(pipeline, ctx: StepContext, kernel_cwd, zygote: str | None = None) -> StepTask:
    """The task that runs ``ctx`` (a step of ``pipeline``) on a worker, with the project files
    it reads from ``kernel_cwd``; ``zygote``: the worker plugin whose zygote forks its kernel."""
    notebook_dir, files = step_files(pipeline, ctx.step, kernel_cwd)
    return StepTask(
        run_id=ctx.parameters["_nbo_run_id"],
        step=ctx.step,
        token=uuid.uuid4().hex[:12],
        notebook=ctx.notebook,
        parameters=dict(ctx.parameters),
        timeout=ctx.timeout,
        notebook_dir=notebook_dir,
        files=files,
        dirs=list(pipeline.project.dirs) if pipeline.project else [],
        env=dict(ctx.env),
        secrets=list(ctx.scrub),
        zygote=zygote,
    )
