"""Proofs that run in the background: one thread per bundle being proven, followed by id.

A proof takes a minute or more (a clean env, then every step as its own task), longer than a
browser should wait on one request. ``ProofJobs.start`` proves a written bundle in a thread of
this process and returns a ``ProofJob`` at once; the job's state (building the env, step k of
n, done with the ``ProofRecord``, or the one-line error) is what ``GET proofs/{id}`` shows.

The jobs live in this process's memory, which is enough: a job is only alive while this process
runs its thread (a restarted server has no proof running to follow), and its outcome outlives it
on disk, in the proof record beside the archive (``<name>-v<N>.proof.json``) that ``verify``
and the next export read. Finished jobs are kept (the last ``KEEP``) so a reloaded page still
finds the outcome it did not see.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.bundle.prove import ProofFailed, prove_bundle
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.contracts.proofs import ProofRecord

log = logging.getLogger(__name__)

KEEP = 50  # finished jobs remembered (the newest)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ProofJob:
    """A bundle being proven: ``state`` building_env -> running_step -> done (or error)."""

    id: str
    bundle: Path  # the bundle folder
    notebook: Path  # the notebook it was exported from (what the lab asks by)
    state: str = "building_env"
    message: str = "building the clean environment from requirements.txt ..."
    step: str | None = None
    step_index: int | None = None
    steps_total: int | None = None
    record: ProofRecord | None = None
    error: str | None = None  # the proof could not run: one line
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None
    thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self.state not in ("done", "error")

    def _line(self, line: str) -> None:
        self.message = line

    def _step(self, k: int, n: int, step: str) -> None:
        self.state, self.step, self.step_index, self.steps_total = "running_step", step, k, n


class ProofJobs:
    """The proofs this process runs or ran, by id; one at a time per bundle."""

    def __init__(self):
        self._jobs: dict[str, ProofJob] = {}
        self._lock = threading.Lock()

    def start(self, bundle: Path, notebook: Path) -> ProofJob:
        """Prove ``bundle`` in a thread; returns at once. A proof of the same bundle already
        running is returned instead of starting a second one."""
        bundle = Path(bundle)
        with self._lock:
            for job in self._jobs.values():
                if job.active and job.bundle == bundle:
                    return job
            job = ProofJob(id=uuid.uuid4().hex[:12], bundle=bundle, notebook=Path(notebook))
            self._jobs[job.id] = job
            self._forget_old()
        # the thread sees the caller's context (a server request's root confinement)
        context = contextvars.copy_context()
        job.thread = threading.Thread(
            target=context.run, args=(self._work, job), daemon=True, name=f"notebook-ops-prove-{bundle.name}"
        )
        job.thread.start()
        return job

    def get(self, job_id: str) -> ProofJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def of_notebook(self, notebook: Path) -> list[ProofJob]:
        """The jobs of bundles exported from ``notebook``, newest first."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.notebook == Path(notebook)]
        return sorted(jobs, key=lambda j: j.started_at, reverse=True)

    def _work(self, job: ProofJob) -> None:

        try:
            job.record = prove_bundle(job.bundle, progress=job._line, on_step=job._step)
        except ProofFailed as exc:  # a failed proof is an outcome: the record says which step
            job.record = exc.record
        except NotebookOpsError as exc:  # the proof could not run (bad bundle, env not built)
            job.error = (str(exc).splitlines() or [type(exc).__name__])[0]
        except Exception as exc:  # noqa: BLE001 - a bug: the lab shows one line, the log has it
            log.exception("proof of %s failed", job.bundle)
            job.error = f"the proof stopped: {type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            job.finished_at = _now()
            if job.record is not None:
                job.message = job.record.summary
            job.state = "error" if job.error else "done"

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if not j.active]
        finished.sort(key=lambda j: j.finished_at or "")
        for job in finished[: max(0, len(finished) - KEEP)]:
            del self._jobs[job.id]
