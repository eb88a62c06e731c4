"""Schedules declared in the notebook (pipeline settings) travel in the bundle's manifest; the
scheduler adds them from either, and runs a bundle for real (`scheduler --once`)."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from nbfactory import EXAMPLES

from notebook_ops.scheduler import api
from notebook_ops.scheduler.schedule_errors import ScheduleError, ScheduleExists

WEEKLY = {
    "name": "churn.weekly",
    "cron": "0 6 * * 1",
    "tz": "Europe/Paris",
    "parameters": {},
    "catchup": "once",
}


def test_declared_in_the_notebook(tmp_path, nb_factory):
    assert api.declared(EXAMPLES / "churn.ipynb") == [WEEKLY]
    url = f"sqlite:///{tmp_path / 's.db'}"
    (d,) = api.add_declared(EXAMPLES / "churn.ipynb", store=url, workdir=tmp_path, retries=2)
    assert (d.name, d.cron, d.tz, d.retries) == ("churn.weekly", "0 6 * * 1", "Europe/Paris", 2)
    with pytest.raises(ScheduleExists):
        api.add_declared(EXAMPLES / "churn.ipynb", store=url, workdir=tmp_path)
    plain = tmp_path / "plain.ipynb"
    plain.write_text(json.dumps(nb_factory(["x = 1"])))
    with pytest.raises(ScheduleError, match="declares no schedules"):
        api.add_declared(plain, store=url, workdir=tmp_path)


@pytest.mark.slow
def test_a_bundle_carries_them_and_runs_from_the_scheduler(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    shutil.copy(EXAMPLES / "churn.ipynb", tmp_path / "churn.ipynb")
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    env.pop("NOTEBOOK_OPS_DB", None)

    def nbo(*a, timeout=300):
        p = subprocess.run(
            [sys.executable, "-m", "notebook_ops", *a],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    nbo("export", "churn.ipynb", "--allow-dirty")
    (archive,) = (tmp_path / "dist").glob("churn-*.tar.gz")
    assert api.declared(archive) == [WEEKLY]
    out = json.loads(nbo("schedule", "add", str(archive.relative_to(tmp_path)), "--json"))
    assert [d["name"] for d in out] == ["churn.weekly"]
    nbo("schedule", "run-now", "churn.weekly")
    log = nbo("scheduler", "--once", "--workers", "1", timeout=600)
    assert "run 1 succeeded" in log
    (r,) = json.loads(nbo("runs", "list", "--schedule", "churn.weekly", "--json"))
    rec = json.loads(open(os.path.join(r["run_dir"], "run.json")).read())
    assert r["state"] == rec["status"] == "succeeded" and rec["mode"] == "bundle"
    assert rec["tags"]["bundle_name"] == "churn" and r["mlflow_run_id"] == rec["mlflow"]["run_id"]
    assert os.path.dirname(r["run_dir"]) == str(tmp_path / ".notebook_ops" / "runs")
