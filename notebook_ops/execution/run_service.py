"""The run service: the one way every face starts, follows, cancels and records a run.

Every run, whoever asks, is ``run(target, ...)``: a notebook or a bundle, run by the runner,
leaving one record (``run.json``, a ``RunRecord``) in its run folder. What differs is only where
it waits:

- in the caller's thread: ``run(...)`` (``notebook-ops run``; ``listen``, one run per message);
- in a thread of this process: ``RunService.start(...)`` returns a ``RunHandle`` at once; the
  service finds its active runs by id to follow or cancel them (the Jupyter server's ``runs``
  routes, the widgets' Run and Stop buttons);
- in a process of its own: ``child_command(...)`` is the ``notebook-ops run`` command line that
  does ``run(...)`` there (the scheduler, which kills the whole tree on a timeout and adopts the
  process after a restart); ``read_record(run_dir)`` is how it learns the outcome.

Cancelling is the same everywhere: the runner's ``cancel`` event (a child process turns SIGTERM
into it); the record ends "cancelled". Past runs: ``list_runs``, ``load_run``, ``find_run``,
``runs_root`` (the run folders, ``<notebook dir>/.notebook_ops/runs/<run_id>/``).
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import json
import logging
import sys
import threading
from pathlib import Path

from notebook_ops.errors import ConflictError, NotebookReadError
from notebook_ops.execution.orchestrate import run_notebook
from notebook_ops.execution.runfolder import find_run, list_runs, load_run, runs_root
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.model.folder import is_folder_source, split_source
from notebook_ops.model.multi import SOURCE_SUFFIXES
from notebook_ops.model.parameters import read_params_file

__all__ = [
    "RunHandle",
    "RunService",
    "child_command",
    "find_run",
    "list_runs",
    "load_run",
    "read_record",
    "run",
    "runs_root",
    "target_kind",
]

log = logging.getLogger(__name__)


def target_kind(target) -> str:
    """ "notebook" (an .ipynb, or a pipeline file of notebooks) or "bundle" (a bundle folder or
    archive); else NotebookReadError."""
    if str(target).endswith(SOURCE_SUFFIXES):
        return "notebook"
    from notebook_ops.bundle.run import is_bundle  # noqa: PLC0415 - cycle: bundle.run runs through run_pipeline

    if is_bundle(target):
        return "bundle"

    if is_folder_source(target):  # a folder of notebooks: a pipeline
        return "notebook"
    raise NotebookReadError(
        "not a notebook (.ipynb), a pipeline file (.yaml, Elyra's .pipeline), a folder of notebooks "
        "or a bundle",
        path=target,
    )


def run(target, *, params=None, params_file=None, **options):
    """Run ``target`` (a notebook or a bundle) in this thread; the runner's ``RunResult``.

    ``params``: {name: value} (strings convert to the declared types; ``params_file`` (YAML)
    first, ``params`` win); ``options``: what ``execution.run_pipeline`` takes (``progress``,
    ``cancel``, ``events``, ``jobs``, ``cache``, ``track``, ``run_dir``, ``tags``, ...).
    Bad input raises a NotebookOpsError before anything starts."""
    kind = target_kind(target)
    values = {}
    if params_file:
        values.update(read_params_file(params_file))
    values.update(params or {})
    if kind == "bundle":
        from notebook_ops.bundle.run import run_bundle  # noqa: PLC0415 - cycle: bundle.run runs through run_pipeline

        return run_bundle(target, params=values, **options)
    return run_notebook(target, params=values, **options)


class RunHandle:
    """A run started by ``RunService.start``: ``started`` (a Future: the first record as a dict,
    or the bad-input error), ``wait()`` (the ``RunResult``), ``cancel()``, ``thread``."""

    def __init__(self, target, cancel: threading.Event):
        self.target = str(target)
        self.cancel_event = cancel
        self.started: concurrent.futures.Future = concurrent.futures.Future()
        self.finished: concurrent.futures.Future = concurrent.futures.Future()
        self.thread: threading.Thread | None = None

    @property
    def run_id(self) -> str | None:
        if self.started.done() and not self.started.exception():
            return self.started.result()["run_id"]
        return None

    @property
    def done(self) -> bool:
        return self.finished.done()

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None):
        """The ``RunResult`` (re-raises what stopped the run from starting)."""
        return self.finished.result(timeout)


class RunService:
    """Runs in threads of this process, by id while they run."""

    def __init__(self):
        self._active: dict[str, RunHandle] = {}
        self._lock = threading.Lock()

    def start(
        self, target, *, progress=None, cancel: threading.Event | None = None, on_finish=None, **options
    ) -> RunHandle:
        """Start ``run(target, **options)`` in a thread; returns at once. ``progress`` gets the
        runner's events (in the run's thread); ``on_finish(handle)`` is called there at the end,
        whatever happened."""
        handle = RunHandle(target, cancel or threading.Event())

        def relay(event: dict) -> None:
            if event.get("event") == "run_started" and not handle.started.done():
                with self._lock:
                    self._active[event["run_id"]] = handle
                handle.started.set_result(event["run"])
            if progress is not None:
                progress(event)

        def work() -> None:
            try:
                result = run(target, progress=relay, cancel=handle.cancel_event, **options)
                if not handle.started.done():
                    handle.started.set_result(result.record)
                handle.finished.set_result(result)
            except BaseException as exc:  # noqa: BLE001 - bad input or a bug: wait() re-raises it
                if not handle.started.done():
                    handle.started.set_exception(exc)
                handle.finished.set_exception(exc)
            finally:
                with self._lock:
                    for key in [k for k, h in self._active.items() if h is handle]:
                        del self._active[key]
                if on_finish is not None:
                    try:
                        on_finish(handle)
                    except Exception:  # a face's display must not hide the run
                        log.exception("on_finish of run %s failed", handle.run_id)

        # the run's thread sees the caller's context (a server request's root confinement)
        context = contextvars.copy_context()
        handle.thread = threading.Thread(
            target=context.run, args=(work,), daemon=True, name=f"notebook-ops-run-{Path(str(target)).name}"
        )
        handle.thread.start()
        return handle

    def get(self, run_id: str) -> RunHandle | None:
        with self._lock:
            return self._active.get(run_id)

    def is_active(self, run_id: str) -> bool:
        return self.get(run_id) is not None

    def cancel(self, run_id: str) -> None:
        handle = self.get(run_id)
        if handle is None:
            raise ConflictError(f"run {run_id} is not running in this process")
        handle.cancel()


def child_command(target, run_dir, params: dict) -> list[str]:
    """The command line that does ``run(target)`` in a process of its own, recording into
    exactly ``run_dir`` (``notebook-ops run TARGET --run-dir DIR --quiet -p k=v ...``)."""

    where = [str(target)]
    folder = None if Path(target).exists() else split_source(target)
    if folder is not None:  # a folder's FOLDER/GLOB (--glob): the same notebooks at every firing
        where = [str(folder[0]), "--glob", folder[1]]
    argv = [sys.executable, "-m", "notebook_ops", "run", *where, "--run-dir", str(run_dir), "--quiet"]
    for k, v in params.items():
        argv += ["-p", f"{k}={v if isinstance(v, str) else json.dumps(v)}"]
    return argv


def read_record(run_dir) -> RunRecord | None:
    """The record a run left in ``run_dir`` (None: none yet, or not readable)."""
    return RunRecord.read(run_dir) if run_dir else None
