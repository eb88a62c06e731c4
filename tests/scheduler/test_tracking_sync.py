"""A scheduled run whose MLflow follower died: the scheduler service logs what is missing (in its
own thread, MLflow loaded once) before it records the run, so the run's row has its MLflow run
id, and MLflow has each run once. Real service, real runs, a real sqlite store."""

import json
import os
import signal
import subprocess
import sys

import pytest
from waiting import eventually
from nbfactory import make_notebook, write_notebook
from trackingkit import own

from notebook_ops.tracking import sync
from notebook_ops.util import faults

pytestmark = pytest.mark.slow


def test_the_scheduler_logs_what_a_dead_follower_left(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    write_notebook(
        tmp_path / "tiny.ipynb",
        make_notebook(
            [
                ("n = 2", ["parameters"]),
                ("import notebook_ops as nbo", ["setup"]),
                ("nbo.log_metric('twice', n * 2)", ["step:double"]),
            ]
        ),
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    env.pop("NOTEBOOK_OPS_DB", None)
    # every run's follower dies after logging its parent run
    env[faults.ENV] = "tracking.follower.parent=exit:17"

    def nbo(*a):
        return subprocess.run(
            [sys.executable, "-m", "notebook_ops", *a], cwd=tmp_path, env=env, capture_output=True, text=True
        )

    assert (
        nbo("schedule", "add", "tiny.ipynb", "--cron", "*/5 * * * * *", "--catchup", "skip").returncode == 0
    )
    log = open(tmp_path / "scheduler.log", "w")
    svc = subprocess.Popen(
        [sys.executable, "-m", "notebook_ops", "scheduler", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from notebook_ops.scheduler import api
    from notebook_ops.scheduler.database import Store

    store = Store(f"sqlite:///{tmp_path / '.notebook_ops' / 'scheduler.db'}")

    def succeeded() -> list:
        assert svc.poll() is None, (tmp_path / "scheduler.log").read_text()
        return [r for r in api.list_runs("tiny", limit=0, store=store) if r.state == "succeeded"]

    try:  # bounded: a real run on a busy 2-core machine
        done = eventually(
            succeeded,
            timeout=300,
            interval=1,
            what="a succeeded run",
            context=lambda: (tmp_path / "scheduler.log").read_text(),
        )
    finally:
        svc.send_signal(signal.SIGTERM)
        svc.wait(60)
    r = done[0]
    rec = json.loads(open(os.path.join(r.run_dir, "run.json")).read())
    state = sync.logged(r.run_dir)
    assert state["finished"] and list(state["steps"]) == ["double"]
    assert r.mlflow_run_id == rec["mlflow"]["run_id"] == state["run_id"]
    from mlflow.tracking import MlflowClient

    c = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    parent = c.get_run(state["run_id"])
    assert parent.info.status == "FINISHED" and own(parent.data.metrics) == {"twice": 4.0}
    same = c.search_runs([parent.info.experiment_id], f"tags.`notebook_ops.run_id` = '{rec['run_id']}'")
    assert [p.info.run_id for p in same if "mlflow.parentRunId" not in p.data.tags] == [state["run_id"]]
