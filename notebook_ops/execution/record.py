"""The run record (``run.json``) as the runner builds it, and the progress events around it.

Only the runner's main thread changes the record; every change is written at once (atomically,
through the ``RunRecord`` contract) and announced to the progress callback with a snapshot of
what was written, so readers never see half a change.
"""

from __future__ import annotations

import logging
import time

from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.contracts.runs import StepRecord
from notebook_ops.execution.runfolder import RecordWriter, RunFolder, now_iso

log = logging.getLogger(__name__)


class RecordWriteError(NotebookOpsError):
    """The run's record could not be written (a full disk): the run stops."""

    exit_code = 1


def new_step_record() -> dict:
    return StepRecord().to_dict()


def instant() -> tuple[float, str]:
    """Now, as a step's start or end is recorded: the monotonic clock its duration is measured
    on, and the wall-clock stamp run.json shows."""
    return time.monotonic(), now_iso()


class LiveRecord:
    """The record of the run in progress (a dict shaped by ``RunRecord``), saved on change."""

    def __init__(self, folder: RunFolder, data: dict, progress=None):
        self.folder = folder
        self.data = data
        self.progress = progress
        self._t0: dict[str, float] = {}
        self.writer = RecordWriter(folder)  # each save serialises only the steps that changed
        self.saves = 0

    def save(self, event: str | None = None, step: str | None = None) -> None:
        self.saves += 1
        try:
            written = self.writer.write(self.data)  # the event's snapshot (read only)
        except OSError as exc:  # a full disk, a folder gone read-only: the run cannot go on
            reason = f"run.json cannot be written: {exc.strerror or exc}"
            marked = self.folder.write_failed_in_place(self.data, reason)
            raise RecordWriteError(
                reason + ("; the run stopped and run.json says failed" if marked else "; the run stopped"),
                path=self.folder.path,
                hint="free space (or make the folder writable) and run again",
            ) from None
        if self.progress and event:
            ev = {
                "event": event,
                "run_id": self.data["run_id"],
                "status": self.data["status"],
                "run": written,
            }
            if step is not None:
                ev["step"] = step
                ev["status"] = self.data["steps"][step]["status"]
            try:
                self.progress(ev)
            except Exception as exc:  # a broken display must not break the run
                log.warning("progress callback failed: %s", exc)

    def step(self, name: str) -> dict:
        return self.data["steps"][name]

    def step_started(self, name: str, at: tuple[float, str] | None = None) -> None:
        """``at``: when the step was handed to its executor (``instant()``), if before now."""
        t0, stamp = at or instant()
        s = self.step(name)
        s.update(status="running", started_at=stamp, finished_at=None, duration_s=None, error=None, cell=None)
        s["attempts"] += 1
        self._t0[name] = t0
        self.save("step_started", name)

    def step_finished(
        self, name: str, status: str, *, error=None, cell=None, cached=False, at=None, **extra
    ) -> None:
        """``at``: when the step's end was seen (``instant()``), if before now."""
        t1, stamp = at or instant()
        s = self.step(name)
        s.update(status=status, error=error, cell=cell, cached=cached)
        s["finished_at"] = stamp
        if s["started_at"] is None:
            s["started_at"] = s["finished_at"]
        t0 = self._t0.pop(name, None)
        s["duration_s"] = round(t1 - t0, 3) if t0 is not None else 0.0
        s.update(extra)  # e.g. times read from an executed notebook
        self.save("step_finished", name)

    def add_usage(self, name: str, cpu_s: float | None, peak_mem_mb: float | None) -> None:
        """What one attempt of step ``name`` cost (execution/usage.py): retries add their CPU, the
        peak is the highest of the attempts. Saved with the step's next change."""
        if cpu_s is None:
            return
        s = self.step(name)
        s["cpu_s"] = round((s.get("cpu_s") or 0.0) + cpu_s, 3)
        s["peak_mem_mb"] = max(s.get("peak_mem_mb") or 0.0, peak_mem_mb or 0.0)

    def total_usage(self) -> None:
        """The run's cost from its steps': CPU seconds added up, the highest peak. A run whose
        steps were not measured one by one (--single-kernel) keeps the totals it was given."""
        measured = [s for s in self.data["steps"].values() if s.get("cpu_s") is not None]
        if measured:
            self.data["cpu_s"] = round(sum(s["cpu_s"] for s in measured), 3)
            self.data["peak_mem_mb"] = max(s.get("peak_mem_mb") or 0.0 for s in measured)
