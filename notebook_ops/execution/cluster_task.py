"""What a Dask worker runs for one step (``notebook-ops run --cluster``).

The task carries everything the step needs: its notebook, its parameters and the project's code
and data files it reads (project-relative path -> bytes); nothing is read from the author's
disk. The worker lays the files out in a folder of its own, runs the notebook through papermill
in a kernel exactly as ``notebook-ops run-step`` does (``executors.execute_step``), with inputs and
outputs in the shared data store (``_nbo_data_url``), and sends back the outcome, the executed
notebook, the log and its name. The kernel is one the worker forked ahead from its warm zygote
when the run registered one (``task.zygote``, ``worker_zygote.py``: it moves into the task's
folder and environment, and is shut down after the outcome is set), else started fresh; the
outcome says how long the task waited (submitted -> started here), how long its kernel took to
be ready (the files laid out included) and how long the notebook ran. The runner learns when a step starts
on a worker from an event (``STARTED_TOPIC``: a second start of one task means its first worker
was lost), and stops a running step by setting its Dask ``Event`` (``cancel_event_name``). ``probe`` is the
preflight each worker runs before any step: notebook-ops imports, the data store answers.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops._version import __version__
from notebook_ops.execution.executors import execute_step
from notebook_ops.execution.step_context import StepContext
from notebook_ops.kernel_side.data_store import DataStore, probe_store

STARTED_TOPIC = "notebook-ops-step-started"


def cancel_event_name(run_id: str, token: str) -> str:
    return f"notebook-ops-cancel-{run_id}-{token}"


@dataclass
class StepTask:
    run_id: str
    step: str
    token: str  # one per submission: tells a restart (a lost worker) from a new attempt
    notebook: dict  # the step notebook (nbformat-4 dict)
    parameters: dict  # the pipeline's values and the _nbo_* plumbing
    timeout: float | None = None
    notebook_dir: str = "."  # the kernel's folder, relative to the files' root
    files: dict[str, bytes] = field(default_factory=dict)  # project-relative path -> content
    dirs: list[str] = field(default_factory=list)  # project-relative folders the code writes into
    # secret parameters: the kernel's environment (NOTEBOOK_OPS_SECRET_<NAME>), and the texts
    # masked in the executed notebook and log (model/secrets.py); sent to the worker, never written
    env: dict[str, str] = field(default_factory=dict, repr=False)
    secrets: list[str] = field(default_factory=list, repr=False)
    zygote: str | None = None  # the worker plugin whose zygote forks the kernel (None: fresh)
    submitted_at: float | None = None  # the runner's clock (time.time()) when it submitted the task


def _worker():
    try:
        from distributed import get_worker  # noqa: PLC0415 - distributed is optional (the cluster extra)

        return get_worker()
    except (ImportError, ValueError):  # called outside a worker (tests of the task itself)
        return None


def _kernels(worker, task: StepTask):
    """The kernels the worker forked ahead from its warm zygote for this task's kernel, else
    None (a fresh kernel)."""
    plugin = worker.plugins.get(task.zygote) if worker is not None and task.zygote else None
    if plugin is None or not hasattr(plugin, "kernels_for"):
        return None
    kernel = (task.notebook.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
    return plugin.kernels_for(kernel)


def _lay_out(root: Path, task: StepTask) -> Path:
    for rel, data in task.files.items():
        target = root / rel
        if root.resolve() not in target.resolve().parents:
            raise ValueError(f"refusing a file outside the step's folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for rel in task.dirs:
        folder = root / rel
        if root.resolve() not in folder.resolve().parents:
            raise ValueError(f"refusing a folder outside the step's folder: {rel}")
        folder.mkdir(parents=True, exist_ok=True)
    cwd = root / task.notebook_dir
    cwd.mkdir(parents=True, exist_ok=True)
    return cwd


def _watch_cancel(event, stop: threading.Event, done: threading.Event) -> None:
    """Set ``stop`` when the runner cancels the task (its Dask ``event``), until the step is done."""
    while not done.is_set():
        try:
            if event.wait(timeout=0.5):
                stop.set()
                return
        except Exception as exc:  # the scheduler went away: the step stops with its worker
            logging.getLogger(__name__).warning("no cancel watch for this step: %r", exc)
            return


def _clear(store, step: str) -> None:
    """Nothing stale from an earlier attempt of this step (in the data store)."""
    if store.remote:
        root = store.path(step)
        if store.fs.exists(root):
            store.fs.rm(root, recursive=True)
    else:
        shutil.rmtree(store.path(step), ignore_errors=True)


def run_task(task: StepTask) -> dict:
    """Run the step on this worker: ``{"outcome": Outcome fields, "notebook": bytes | None,
    "log": str, "worker": name}``. A failing step is an outcome, never an exception."""

    started, t0 = time.time(), time.monotonic()
    worker = _worker()
    name = str(worker.name) if worker is not None else "local"
    if worker is not None:
        worker.log_event(
            # "name": Dask sets "worker" to the worker's address
            STARTED_TOPIC,
            {"run_id": task.run_id, "step": task.step, "token": task.token, "name": name},
        )
    _clear(DataStore(task.parameters["_nbo_data_url"]), task.step)
    stop, done = threading.Event(), threading.Event()
    if worker is not None:
        from distributed import Event, get_client  # noqa: PLC0415 - distributed is optional (the cluster extra)

        # made here: only the task's own thread finds the worker's client
        event = Event(cancel_event_name(task.run_id, task.token), client=get_client())
        threading.Thread(target=_watch_cancel, args=(event, stop, done), daemon=True).start()
    base = worker.local_directory if worker is not None else None
    try:
        with tempfile.TemporaryDirectory(prefix=f"nbo-{task.step}-", dir=base) as tmp:
            out, log = Path(tmp) / "step.ipynb", Path(tmp) / "step.log"
            ctx = StepContext(
                step=task.step,
                notebook=task.notebook,
                parameters=task.parameters,
                out_path=out,
                log_path=log,
                timeout=task.timeout,
                env=task.env,
                scrub=tuple(task.secrets),
                cwd=_lay_out(Path(tmp) / "work", task),
            )
            kernels = _kernels(worker, task)
            before = time.monotonic() - t0  # the event, the store cleared, the files laid out
            outcome = execute_step(ctx, stop=stop, kernels=kernels)
            if task.submitted_at is not None:  # two clocks: the runner's and this machine's
                outcome.queued_s = round(max(0.0, started - task.submitted_at), 3)
            if outcome.startup_s is not None:
                outcome.startup_s = round(outcome.startup_s + before, 3)
            if stop.is_set():
                outcome.error, outcome.ename = "cancelled", "Cancelled"
            return {
                "outcome": dataclasses.asdict(outcome),
                "notebook": out.read_bytes() if out.exists() else None,
                "log": log.read_text(encoding="utf-8", errors="replace") if log.exists() else "",
                "worker": name,
            }
    finally:
        done.set()


def probe(data_url: str, marker: str) -> str:
    """On a worker, before the run: write, read back and delete a marker in the data store."""

    probe_store(data_url, f"{marker}-{uuid.uuid4().hex[:8]}")  # workers probe at the same time
    return __version__
