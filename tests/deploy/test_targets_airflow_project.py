"""Airflow 3 runs the DAG of a bundle that carries the project's code and data and hands a file
from one step to the next: each task runs ``notebook-ops run-step`` in its own workspace, so the
file travels through the shared data store, not a shared disk (``airflow dags test``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

# the project fixture lives with the bundle tests (tests/ is on sys.path, tests/bundle is not)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bundle"))

from projectkit import make_project  # noqa: E402
from targetkit import NOTEBOOK_OPS  # noqa: E402


def test_airflow_runs_a_project_bundle(airflow_venv, tmp_path):
    from notebook_ops.bundle import export_notebook

    nb = make_project(tmp_path / "proj")
    r = export_notebook(nb, out_dir=tmp_path / "dist", track=False, target_names=["airflow"])
    home, data = tmp_path / "airflow_home", tmp_path / "airflow_data"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(r.folder / "targets" / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        NOTEBOOK_OPS_BIN=NOTEBOOK_OPS,
        NOTEBOOK_OPS_DATA=str(data),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PATH=f"{airflow_venv / 'bin'}:{env.get('PATH', '')}",
    )
    airflow = str(airflow_venv / "bin" / "airflow")
    for args in (["db", "migrate"], ["dags", "test", "proj", "-c", json.dumps({"factor": 3})]):
        done = subprocess.run(
            [airflow, *args], env=env, cwd=home, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    db = sqlite3.connect(home / "airflow.db")
    rows = db.execute("select task_id, state from task_instance where dag_id='proj'").fetchall()
    assert sorted(rows) == [("load", "success"), ("report", "success")]
    (run_dir,) = list((data / "proj").iterdir())
    assert (run_dir / "load" / "_files" / "work%2Fdoubled.txt").read_text() == "2,4,6"
    metrics = json.loads((run_dir / "report" / "_metrics.json").read_text())
    assert [(m["name"], m["value"]) for m in metrics] == [("total", 36)]
    assert not (home / "work").exists()  # no step wrote into the worker's folder
