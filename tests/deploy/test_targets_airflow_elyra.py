"""Airflow 3 runs the bundle of an Elyra pipeline (``airflow dags test``): each node a task in
its own workspace, parallel branches, env vars from the DAG run's conf, a file dependency shipped
in the bundle and the nodes' output files handed on through the data store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

from elyrakit import elyra_project
from targetkit import NOTEBOOK_OPS


def test_airflow_runs_an_elyra_bundle(airflow_venv, tmp_path):
    from notebook_ops.bundle import export_notebook

    project = tmp_path / "proj"
    project.mkdir()
    path = elyra_project(project)
    r = export_notebook(
        path, out_dir=tmp_path / "dist", track=False, target_names=["airflow"], allow_dirty=True, tag=False
    )
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
    for args in (["db", "migrate"], ["dags", "test", "elyra_demo", "-c", json.dumps({"FACTOR": "4"})]):
        done = subprocess.run(
            [airflow, *args], check=False, env=env, cwd=home, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    db = sqlite3.connect(home / "airflow.db")
    rows = db.execute("select task_id, state from task_instance where dag_id='elyra_demo'").fetchall()
    assert sorted(rows) == [
        ("branch_a", "success"),
        ("branch_b", "success"),
        ("join", "success"),
        ("load", "success"),
    ]
    (run_dir,) = list((data / "elyra_demo").iterdir())
    vals = [7 + i for i in range(4)]
    assert (run_dir / "join" / "_files" / "result.txt").read_text() == f"fast:{sum(vals) * 4 + max(vals)}"
