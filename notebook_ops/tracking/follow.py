"""``python -m notebook_ops.tracking.follow RUN_DIR``: log a run to MLflow beside the run.

Started (detached, in a session of its own, so Ctrl-C on the run leaves it to log the cancelled
run) by ``notebook-ops run`` as the run starts. It imports MLflow and opens the store while the
steps run, logs each step as its record appears, and the parent run when run.json is final,
then writes run.json's ``mlflow`` block and exits. Then, off every run's critical path, it logs
what earlier runs of the same runs folder, and exports beside it, left incomplete (their
follower died). ``--export FILE`` logs one export (``tracking.exports``) the same way.
Its output goes to ``RUN_DIR/logs/mlflow.log``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from notebook_ops.events.publish import ENV
from notebook_ops.tracking import exports, sync
from notebook_ops.tracking.mlflow_tracker import first_line
from notebook_ops.util import procs

POLL_S = 0.2
NO_RECORD_S = 120  # a run whose run.json does not appear by then did not start


def spawn(run_dir=None, *, export=None, events=()) -> subprocess.Popen:
    """Start the follower for ``run_dir`` (or for the export entry ``export``); returns at once.
    ``events``: more sink URLs for what it publishes (a promotion), through its environment."""
    argv = [sys.executable, "-m", "notebook_ops.tracking.follow"]
    if export is not None:
        argv += ["--export", str(export)]
        log_path = Path(export).with_suffix(".log")
    else:
        argv.append(str(run_dir))
        log_path = Path(run_dir) / "logs" / "mlflow.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = None
    if events:
        env = {**os.environ, ENV: ",".join([os.environ.get(ENV, ""), *events]).strip(",")}
    with open(log_path, "ab") as out:
        return subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def follow(run_dir: Path, runner: int) -> int:
    """Log ``run_dir`` as it runs (``runner``: the pid of the process running it); 0 when its
    MLflow records are complete."""
    session = sync.session_for(run_dir)
    t0 = time.monotonic()
    with sync.locked(run_dir):
        while True:
            try:
                session.open()  # the slow part (importing MLflow), while the steps run
                state = sync.sync_run(run_dir, session)
            except Exception as exc:  # noqa: BLE001 - kept for `runs sync`, which retries
                sync.record_error(run_dir, session.tracking_uri, first_line(exc))
                logging.getLogger(__name__).warning("MLflow: %s", first_line(exc))
                return 1
            if state.get("finished"):  # the run ended (or its runner is gone: it ends failed)
                break
            if not (run_dir / sync.RUN_JSON).exists() and (
                not procs.alive(runner) or time.monotonic() - t0 > NO_RECORD_S
            ):
                return 1  # the run did not start
            time.sleep(POLL_S)
    catch_up(run_dir.parent, skip=run_dir)
    return 0


def catch_up(runs_root: Path, skip=None) -> None:
    """Finish what dead followers left in ``runs_root`` and in the exports beside it."""

    for d in sync.stale_runs(runs_root, skip=skip):
        try:
            sync.sync_folder(d, wait=False)
        except sync.Busy:
            continue  # its own follower, or a `runs sync`, is on it
    exports.sync_exports(runs_root.parent / exports.EXPORTS)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m notebook_ops.tracking.follow")
    ap.add_argument("run_dir", nargs="?")
    ap.add_argument("--export", help="an export's entry file (tracking.exports)")
    args = ap.parse_args(argv)
    sync.as_follower()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.export:
        entry = Path(args.export)
        exports.sync_exports(entry.parent, only=entry)
        return 0
    return follow(Path(args.run_dir).resolve(), os.getppid())


if __name__ == "__main__":
    sys.exit(main())
