"""What a running pipeline hands to MLflow, and who logs it, without the run waiting on MLflow.

The runner writes into its run folder's ``tracking/``: ``start.json`` (the store and experiment)
when the run starts, one ``steps/<step>.json`` per finished step (its record, the parameters it
read, its metrics, its artifacts). ``tracking.sync`` logs them. Who runs it:

- "process" (``notebook-ops run``): a follower process (``tracking.follow``) started with the run
  imports MLflow while the steps run and logs them as they end; the command ends when the steps
  do, and the follower finishes the parent run after it;
- "thread" (a long-lived caller: the Jupyter server, the widgets' kernel, ``listen``, a library
  call, and any run inside ``mlflow run``, which closes its run when the entry point exits): one
  background thread of this process, waited for at the end (MLflow stays loaded for the next run).

Importing this module imports nothing of MLflow.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from notebook_ops.tracking import sync
from notebook_ops.tracking.follow import spawn
from notebook_ops.tracking.mlflow_tracker import Tracker, default_tracking_uri
from notebook_ops.util import atomic
from notebook_ops.util.redact import redact

MODES = ("process", "thread")


def mode_of(track) -> str | None:
    """``track`` as callers give it (False/None, True = "thread", or a mode) -> a mode or None."""
    if not track:
        return None
    if track is True:
        return "thread"
    if track not in MODES:
        raise ValueError(f"track must be True, False or one of {', '.join(MODES)}; got {track!r}")
    return str(track)


class RunOutbox:
    def __init__(
        self,
        run_dir,
        experiment: str,
        base_dir,
        mode: str = "thread",
        promote: dict | None = None,
        events=(),
        alerts: list | None = None,
    ):
        """``promote``: the pipeline's promote setting; ``events``: the run's sink URLs (a
        promotion after the run is published there too). Those carrying a credential are never
        written to start.json: the follower gets them in its environment, the thread in memory.
        ``alerts``: the pipeline's alerts setting (a promotion's alerts are sent from there)."""
        self.run_dir = Path(run_dir)
        self.events = list(events or ()) if promote else []
        plain = [u for u in self.events if redact(u) == u]
        self.tracking_uri, artifact_root = default_tracking_uri(base_dir)
        outer = os.environ.get("MLFLOW_RUN_ID")
        self.mode = "thread" if outer else mode
        atomic.write_json(
            sync.tracking_dir(self.run_dir) / sync.START,
            {
                "experiment": experiment,
                "tracking_uri": self.tracking_uri,
                "artifact_root": artifact_root,
                "outer": outer,
                **({"promote": promote} if promote else {}),
                **({"alerts": alerts} if alerts else {}),
                **({"events": plain} if plain else {}),
            },
        )
        self.tracker = None
        self.follower = None
        if self.mode == "process":
            self.follower = spawn(self.run_dir, events=[u for u in self.events if u not in plain])
        else:
            self.tracker = Tracker(sync.session_for(self.run_dir))  # imports MLflow meanwhile

    def _sync(self) -> None:
        if self.tracker is not None:
            self.tracker.submit(self._sync_now)

    def _sync_now(self) -> None:
        assert self.tracker is not None
        with sync.locked(self.run_dir):
            sync.sync_run(self.run_dir, self.tracker.session, write_record=False, events=self.events)

    def started(self) -> None:
        """run.json is written."""
        self._sync()

    def step(
        self,
        name: str,
        steprec: dict,
        params: dict,
        metrics: list,
        artifacts: list,
        models: list | None = None,
    ) -> None:
        """Step ``name`` ended (``artifacts``: [(local path, artifact folder)]; ``models``: the
        models it saved, [{"name", "path", "tags"}], registered when the step is logged)."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        atomic.write_json(
            sync.tracking_dir(self.run_dir) / sync.STEPS / f"{safe}.json",
            {
                "name": name,
                "steprec": steprec,
                "params": params,
                "metrics": metrics,
                "artifacts": artifacts,
                "models": list(models or []),
            },
        )
        self._sync()

    def finish(self, timeout: float = 300) -> dict:
        """run.json is final: run.json's ``mlflow`` block. "thread": once logged (or failed);
        "process": at once, with the parent run's id if the follower has logged it already."""
        info: dict = {"tracking_uri": self.tracking_uri}
        if self.tracker is not None:
            self._sync()
            self.tracker.wait(timeout=timeout)
            if self.tracker.error:
                sync.record_error(self.run_dir, self.tracking_uri, self.tracker.error)
                info["error"] = self.tracker.error
        state = sync.logged(self.run_dir)
        info.update(run_id=state.get("run_id"), experiment_id=state.get("experiment_id"))
        return info
