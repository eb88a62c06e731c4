"""The executed step notebook, kept live on disk without writing it on a step's critical path.

papermill writes the whole notebook (a deep copy, nbformat's validation, JSON, the file) when it
starts and at every cell's start and end: 17 writes for a 7-cell step, about 45 ms of a trivial
step's 215. The lab's live view reads that file once a second, so ``LiveSaveEngine`` writes it at
most every ``LIVE_EVERY`` seconds while cells run: a write asked sooner is deferred on the event
loop that runs the cells (in the one thread that changes the notebook, so a write never sees a
half-updated one; a long cell's start is written while it runs) and dropped when the step ends
first. The last write is always made: papermill's
own after the run (success, or cell errors with its banner), or ``notebook_complete``'s when the
run raised (a dead kernel, a timeout), so the executed notebook keeps every output as before.
"""

from __future__ import annotations

import asyncio
import logging
import time

from jupyter_core.utils import ensure_event_loop
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from notebook_ops.execution.step_client import StepNotebookClient

ENGINE_NAME = "notebook_ops"
LIVE_EVERY = 0.5  # seconds between two writes of a running step's notebook


class LiveNotebookManager(NotebookExecutionManager):
    """papermill's execution state, whose ``save`` writes at most every ``LIVE_EVERY`` s."""

    output_path: str | None  # papermill's, set in its __init__

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._written = time.monotonic()  # the start's write is deferred like any other
        self._pending: asyncio.TimerHandle | None = None
        self.writes = 0

    def save(self, **kwargs):
        if not self.output_path:
            return
        wait = LIVE_EVERY - (time.monotonic() - self._written)
        if wait <= 0:
            self._write()
            return
        if self._pending is not None:
            return  # a write is already due; it will carry this state too
        # the loop nbclient runs each cell in, in this thread (papermill asks for saves between
        # cells, when it is not running): a deferred write fires while a later cell runs
        self._pending = ensure_event_loop().call_later(wait, self._write_live)

    def _write_live(self) -> None:
        """The deferred write, from the event loop: a failure (a full disk) is not raised there,
        where asyncio would print its traceback; the final write meets it and reports it."""
        try:
            self._write()
        except OSError:
            self._pending = None

    def _write(self) -> None:
        self._cancel_pending()
        super().save()
        self.writes += 1
        self._written = time.monotonic()

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def finish(self, *, write: bool) -> None:
        """papermill's ``notebook_complete`` (the final metadata); written now only if
        ``write`` (papermill's ``execute_notebook`` writes it after a run that returned)."""
        self._cancel_pending()
        if write:
            self._written = float("-inf")  # the final state, now
            self.notebook_complete()
        else:
            output_path, self.output_path = self.output_path, None
            try:
                self.notebook_complete()
            finally:
                self.output_path = output_path


class LiveSaveEngine(NBClientEngine):
    """papermill's nbclient engine with ``LiveNotebookManager``'s deferred writes, running cells
    through ``StepNotebookClient`` (fewer round trips for a step notebook)."""

    manager: type[LiveNotebookManager] = LiveNotebookManager

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kwargs,
    ):
        nb_man = cls.manager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        except BaseException:
            nb_man.cleanup_pbar()
            nb_man.finish(write=True)
            raise
        nb_man.cleanup_pbar()
        nb_man.finish(write=False)
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        """papermill's ``NBClientEngine.execute_managed_notebook`` with our client."""
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return StepNotebookClient(nb_man, **final_kwargs).execute()


def register() -> str:
    """Register the engine with papermill (idempotent); its name for ``engine_name``."""
    papermill_engines.register(ENGINE_NAME, LiveSaveEngine)
    return ENGINE_NAME
