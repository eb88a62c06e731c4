"""How a scheduled run executes: a child process per attempt, killed as a whole tree on timeout.

The default command is the run service's ``child_command``: ``python -m notebook_ops run TARGET
--run-dir DIR --quiet -p k=v ...``, the same run any face starts, in a process of its own; the
service takes any other command builder (tests use small scripts).
A child starts in its own session (process group), writes its output to ``DIR/scheduler.log``,
and leaves ``DIR/run.json``; its outcome is read from run.json, else from the exit code
(0 succeeded, 1 failed, 2 bad input, 3 below target).

Kernels start in sessions of their own (jupyter_client does that), so a timeout kills the
child's group *and* every descendant found under it (psutil), first with SIGTERM (the runner
stops its kernels and records "cancelled"), then with SIGKILL after a grace period.
A child outlives its service on purpose: a restarted service adopts it (``Adopted``) and records
its result, so a restart never loses or doubles a run.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from notebook_ops.execution.run_service import read_record
from notebook_ops.util.procs import alive, descendants, signal_tree

KILL_GRACE_S = 5.0
LOG_NAME = "scheduler.log"
EXIT_STATES = {0: "succeeded", 1: "failed", 2: "failed", 3: "below_target", 130: "cancelled"}


class Child:
    """A run's process: ours (``Popen``) or adopted from a dead service (``Adopted``)."""

    pid: int
    run_dir: str

    def __init__(self):
        self.tree: list[tuple[int, float]] = []
        self.term_at: float | None = None  # monotonic time SIGTERM was sent
        self.killed = False
        self.timed_out = False

    def poll(self) -> tuple[bool, int | None]:
        """(finished, exit code if known)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Kill the whole tree: SIGTERM now, SIGKILL once the grace period has passed."""
        self.tree = sorted(set(self.tree) | set(descendants(self.pid)))
        if self.term_at is None:
            self.term_at = time.monotonic()
            signal_tree(self.pid, self.tree, signal.SIGTERM)
        elif not self.killed and time.monotonic() - self.term_at >= KILL_GRACE_S:
            self.killed = True
            signal_tree(self.pid, self.tree, signal.SIGKILL)

    def reap_tree(self) -> None:
        """After the child ended on a timeout: nothing of its tree may live on."""
        if self.tree:
            signal_tree(self.pid, self.tree, signal.SIGKILL)


class Launched(Child):
    def __init__(self, argv: list[str], run_dir: str, cwd: str, env: dict, on_exit=None):
        super().__init__()
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        self.run_dir = run_dir
        with open(Path(run_dir) / LOG_NAME, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        self.pid = self.proc.pid
        if on_exit is not None:  # wake the service the moment the run ends
            threading.Thread(
                target=self._wait, args=(on_exit,), daemon=True, name=f"nbo-run-{self.pid}"
            ).start()

    def _wait(self, on_exit):
        try:
            self.proc.wait()
        finally:
            on_exit()

    def poll(self):
        rc = self.proc.poll()
        return (rc is not None), rc


class Adopted(Child):
    """A child started by a service that died; we can watch it but not wait() for it."""

    def __init__(self, pid: int, run_dir: str):
        super().__init__()
        self.pid, self.run_dir = pid, run_dir

    def poll(self):
        return (not alive(self.pid, self.run_dir)), None


# outcomes ----------------------------------------------------------------------------------
def _log_tail(run_dir, n: int = 400) -> str:
    try:
        data = (Path(run_dir) / LOG_NAME).read_bytes()[-n:]
    except OSError:
        return ""
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else ""


def outcome(
    run_dir, exit_code: int | None, *, timed_out: bool = False, timeout_s: float | None = None
) -> dict:
    """The final state and what the scheduler records, from run.json and the exit code."""
    rec = read_record(run_dir)
    out: dict = {"exit_code": exit_code}
    status = rec.status if rec else None
    if rec:
        out.update(
            run_id=rec.run_id,
            mlflow_tracking_uri=rec.mlflow.tracking_uri,
            mlflow_run_id=rec.mlflow.run_id,
            metrics=rec.metrics,
        )
    if timed_out:
        out.update(state="timed_out", error=f"timed out after {timeout_s:g} s; the run was killed")
        return out
    if rec and rec.final:
        out["state"] = status
        if status != "succeeded":
            out["error"] = (rec.error or rec.failed_steps() or _log_tail(run_dir) or rec.status)[:2000]
        return out
    if exit_code is None:
        out.update(
            state="failed", error="the run ended while no scheduler watched it and left no final run.json"
        )
        return out
    out["state"] = EXIT_STATES.get(exit_code, "failed")
    if out["state"] != "succeeded":
        how = f"signal {-exit_code}" if exit_code < 0 else f"exit code {exit_code}"
        out["error"] = (f"{how}: {_log_tail(run_dir)}" if _log_tail(run_dir) else how)[:2000]
        if exit_code == 2:
            out["bad_input"] = True
    return out
