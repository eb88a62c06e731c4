"""Log a run folder to MLflow from what the run wrote into it, exactly once, whoever does it.

The runner never talks to MLflow itself: it writes what a run's MLflow records need into the run
folder's ``tracking/`` (``outbox.RunOutbox``) and ``run.json``. ``sync_run`` turns that into a
parent run and one nested run per step, and writes what it has logged into
``tracking/logged.json`` (atomically, after each MLflow run), so it can stop anywhere and be
repeated: the follower process (``tracking.follow``), ``notebook-ops runs sync``, the next run of
the same runs folder, the scheduler service and a long-lived server's thread all go through it.
An flock on ``tracking/`` keeps two of them off one run folder at a time, and a run found in the
store by its tags (written, but not yet in ``logged.json``) is completed rather than logged twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from pathlib import Path

from notebook_ops.model.contracts.runs import FINAL_STATUSES, RUN_JSON, RunRecord
from notebook_ops.tracking.mlflow_tracker import Session, first_line
from notebook_ops.tracking.promotion import after_run
from notebook_ops.tracking.promotion_alerts import alerts_tag
from notebook_ops.util import atomic, faults, procs
from notebook_ops.util.locks import folder_lock
from notebook_ops.util.redact import redact, redact_text

log = logging.getLogger(__name__)

TRACKING = "tracking"  # the folder inside a run folder
START = "start.json"  # {experiment, tracking_uri, artifact_root, outer, promote?, events?, alerts?}
STEPS = "steps"  # <step>.json: {name, steprec, params, metrics, artifacts, models}, one per finished step
LOGGED = "logged.json"  # {run_id, experiment_id, steps: {name: id}, promotion?, finished, error}


class Busy(Exception):
    """Another process is logging this run folder now."""


def tracking_dir(run_dir) -> Path:
    return Path(run_dir) / TRACKING


def read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def logged(run_dir) -> dict:
    """What is in MLflow already (``logged.json``; empty when nothing is)."""
    return read_json(tracking_dir(run_dir) / LOGGED) or {}


def pending(run_dir) -> bool:
    """The run is to be tracked and its MLflow records are not all written yet."""
    d = tracking_dir(run_dir)
    return (d / START).is_file() and not logged(run_dir).get("finished")


@contextlib.contextmanager
def locked(run_dir, wait: bool = True):
    """Hold the run folder's tracking lock (released when the process dies); ``Busy`` when
    ``wait`` is False and another process holds it."""
    try:
        with folder_lock(tracking_dir(run_dir), wait):
            yield
    except BlockingIOError:
        raise Busy(str(run_dir)) from None


def runner_gone(record: dict) -> bool:
    """A "running" record whose process no longer exists on this host."""
    if record.get("status") in FINAL_STATUSES:
        return False
    pid, host = record.get("pid"), record.get("host")
    return isinstance(pid, int) and host == socket.gethostname() and not procs.alive(pid)


def session_for(run_dir):
    """A ``Session`` on the store and experiment the run named when it started."""

    start = read_json(tracking_dir(run_dir) / START)
    if start is None:
        raise FileNotFoundError(f"{run_dir} was not tracked (no {TRACKING}/{START})")
    return Session(start["experiment"], start["tracking_uri"], start.get("artifact_root"), start.get("outer"))


def _save(run_dir, state: dict) -> None:
    atomic.write_json(tracking_dir(run_dir) / LOGGED, state)


_follower = False  # set in a follower process: the only kind the test hook may end


def as_follower() -> None:
    """Mark this process a follower (tracking.follow), so the test hook can end it: never the
    scheduler service or a runner that syncs the same run folders."""
    global _follower
    _follower = True


def die_here(point: str) -> None:
    """Fault point ``tracking.follower.<point>`` (util/faults.py), in follower processes only."""
    if _follower:
        faults.point(f"tracking.follower.{point}")


def sync_run(run_dir, session=None, *, write_record: bool = True, events=()) -> dict:
    """Log to MLflow what ``run_dir`` holds and ``logged.json`` lacks (the caller holds
    ``locked(run_dir)``); returns ``logged.json``'s content. The parent run is finished once
    run.json is final (or "failed" once its runner is gone without finishing it); with
    ``write_record`` run.json's ``mlflow`` block then gets the run's id too (only once the
    runner has stopped writing run.json). A promotion by the promote setting is published to
    the configured sinks, start.json's ``events`` and ``events``."""
    run_dir = Path(run_dir)
    session = session or session_for(run_dir)
    state = logged(run_dir)
    record = read_json(run_dir / RUN_JSON)
    if record is None or state.get("finished"):
        return state
    state.setdefault("steps", {})
    if not state.get("run_id"):
        alerts = (read_json(tracking_dir(run_dir) / START) or {}).get("alerts")
        tags = {**(record.get("tags") or {}), **alerts_tag(alerts)}  # a later promotion alerts from there
        state["run_id"] = session.parent({**record, "tags": tags})
        state["experiment_id"] = session.experiment_id
        _save(run_dir, state)
        die_here("parent")
    # run.json is read before the step files are listed: the runner writes a step's file before the
    # final run.json, so a final record read first means every step's file is there to be listed.
    record = read_json(run_dir / RUN_JSON) or record
    payloads = sorted((tracking_dir(run_dir) / STEPS).glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for path in payloads:
        p = read_json(path)
        if p is None or p["name"] in state["steps"]:
            continue
        state["steps"][p["name"]] = session.step(
            state["run_id"],
            p["name"],
            p["steprec"],
            p["params"],
            p["metrics"],
            p["artifacts"],
            p.get("models") or [],
        )
        _save(run_dir, state)
    gone = runner_gone(record)  # killed: its MLflow run ends failed, as the run did
    if gone:  # unless it wrote its final record (then exited) since ours was read
        record = read_json(run_dir / RUN_JSON) or record
        gone = runner_gone(record)
    if record.get("status") in FINAL_STATUSES or gone:
        if gone:
            record = {**record, "status": "failed", "finished_at": None}
        session.finish(state["run_id"], record, [(str(run_dir / RUN_JSON), "")])
        start = read_json(tracking_dir(run_dir) / START) or {}
        promote = start.get("promote")
        if promote and "promotion" not in state and not gone:
            sinks = [*(start.get("events") or []), *events]
            # a promotion alerts the pipeline's alerts recorded on the parent run (promotion_alerts)
            state["promotion"] = after_run(session.open(), state, promote, sinks)
            _save(run_dir, state)
        state["finished"] = True
        state.pop("error", None)
        _save(run_dir, state)
        if write_record:
            write_mlflow_block(run_dir, session.tracking_uri, state)
    return state


def write_mlflow_block(run_dir, tracking_uri: str, state: dict) -> None:
    """run.json's ``mlflow``: where the run is logged (or why it is not)."""
    record = read_json(Path(run_dir) / RUN_JSON)
    if record is None:
        return

    block = {
        "tracking_uri": redact(tracking_uri),  # a record shows no credential
        "run_id": state.get("run_id") if state.get("finished") else None,
        "experiment_id": state.get("experiment_id"),
        "error": redact_text(state["error"]) if state.get("error") else None,
    }
    if record.get("mlflow") == block:
        return
    record["mlflow"] = block
    atomic.write_json(Path(run_dir) / RUN_JSON, RunRecord.from_dict(record).to_dict())


def record_error(run_dir, tracking_uri: str, error: str) -> None:
    """Keep why logging failed (``runs sync`` retries it) in logged.json and, for a final run,
    in run.json."""
    state = {**logged(run_dir), "error": error}
    _save(run_dir, state)
    record = read_json(Path(run_dir) / RUN_JSON) or {}
    if record.get("status") in FINAL_STATUSES:
        write_mlflow_block(run_dir, tracking_uri, state)


def sync_folder(run_dir, session=None, *, wait: bool = True) -> dict:
    """``sync_run`` under the lock, errors kept (never raised, except ``Busy`` when not ``wait``)."""
    with locked(run_dir, wait=wait):
        try:
            return sync_run(run_dir, session)
        except Exception as exc:  # noqa: BLE001 - a broken store: kept for the next sync
            start = read_json(tracking_dir(run_dir) / START) or {}
            record_error(run_dir, start.get("tracking_uri") or "", first_line(exc))
            return logged(run_dir)


def stale_runs(runs_root, *, skip=None, limit: int = 50) -> list[Path]:
    """Run folders under ``runs_root`` (newest first, at most ``limit`` looked at) whose MLflow
    records are incomplete and whose runner has ended (final, or its process is gone)."""
    root = Path(runs_root)
    if not root.is_dir():
        return []
    out = []
    for d in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True)[:limit]:
        if skip is not None and d.resolve() == Path(skip).resolve():
            continue
        if not pending(d):
            continue
        record = read_json(d / RUN_JSON) or {}
        if record.get("status") in FINAL_STATUSES or runner_gone(record):
            out.append(d)
    return out
