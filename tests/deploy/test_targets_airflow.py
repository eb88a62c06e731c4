"""Airflow 3 really runs the exported example DAG: a temporary AIRFLOW_HOME, ``airflow db
migrate``, ``airflow dags test churn``; every task succeeds through ``notebook-ops run-step`` of
the main venv and the final metric lands in the shared data store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from targetkit import HERE, NOTEBOOK_OPS
from notebook_ops.deploy import common


def json_output(text: str):
    """The JSON the airflow CLI prints after its log lines (warnings share stdout)."""
    lines = [line for line in text.splitlines() if line.startswith(("[", "{"))]
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def airflow_run(airflow_venv, churn_bundle, tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    data = tmp_path_factory.mktemp("airflow_data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(churn_bundle / "targets" / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        NOTEBOOK_OPS_BIN=NOTEBOOK_OPS,
        NOTEBOOK_OPS_DATA=str(data),
        PATH=f"{airflow_venv / 'bin'}:{env.get('PATH', '')}",
    )
    # the bundle folder is not given: the DAG finds it from its own place in targets/airflow/
    airflow = str(airflow_venv / "bin" / "airflow")

    def run(*args, timeout=600):
        done = subprocess.run(
            [airflow, *args], env=env, cwd=home, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
        return done.stdout

    run("db", "migrate")
    out = run("dags", "test", "churn", "-c", json.dumps({"n_customers": 1600}), timeout=900)
    details = json_output(run("dags", "details", "churn", "-o", "json"))[0]
    errors = json_output(run("dags", "list-import-errors", "-o", "json"))
    return {"home": home, "data": data, "out": out, "details": details, "errors": errors}


def test_every_task_succeeds(airflow_run):
    db = sqlite3.connect(airflow_run["home"] / "airflow.db")
    rows = db.execute("select task_id, state from task_instance where dag_id='churn'").fetchall()
    assert sorted(rows) == sorted(
        (s, "success") for s in ["load", "features", "train_linear", "train_tree", "evaluate"]
    )
    runs = db.execute("select state from dag_run where dag_id='churn'").fetchall()
    assert runs == [("success",)]
    assert airflow_run["errors"] == []


def test_the_final_metric_is_right_and_parameters_reached_the_steps(airflow_run):
    data = airflow_run["data"] / "churn"
    (run_dir,) = list(data.iterdir())  # DATA_ROOT/<dag_id>/<run id>
    for step in ("load", "features", "train_linear", "train_tree", "evaluate"):
        assert (run_dir / step / "_outputs.json").is_file(), step
    metrics = {
        m["name"]: m["value"] for m in json.loads((run_dir / "evaluate" / "_metrics.json").read_text())
    }
    assert metrics["accuracy"] >= 0.8
    assert metrics["accuracy"] == max(metrics["linear_accuracy"], metrics["tree_accuracy"])
    executed = json.loads((run_dir / "load" / "_notebook.ipynb").read_text())
    injected = "".join(
        c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        for c in executed["cells"]
        if "injected-parameters" in c["metadata"].get("tags", [])
    )
    assert "n_customers = 1600" in injected  # the DAG run's conf, passed as a DAG param


def test_schedule_owner_and_retries_come_from_the_manifest(airflow_run):
    d = airflow_run["details"]
    assert d["timetable_summary"] == "0 6 * * 1"
    assert d["owners"] == ["data-science@example.com"]
    # Monday 06:00 in Europe/Paris is 05:00 UTC in winter, 04:00 in summer
    assert d["next_dagrun_run_after"][11:16] in ("05:00", "04:00")
    assert "train_linear" in airflow_run["out"]


def test_image_style_dag_runs_each_step_in_the_bundle_image(airflow_venv, churn_bundle, tmp_path):
    """The ``airflow-image`` DAG, loaded by Airflow's DagBag with the Kubernetes provider: one
    KubernetesPodOperator per step; the commands Airflow renders for the pods, run here in
    order with this bundle in place of the image's /bundle, compute the pipeline."""
    folder = churn_bundle / "targets" / "airflow-image"
    conf = {"n_customers": 1600, "_nbo_data_root": str(tmp_path / "data")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
    env.update(AIRFLOW_HOME=str(tmp_path / "home"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    done = subprocess.run(
        [
            str(airflow_venv / "bin" / "python"),
            str(HERE / "render_airflow_image.py"),
            str(folder),
            "churn_image",
            json.dumps(conf),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("JSON")]
    assert line, done.stderr[-3000:]
    dag = json.loads(line[-1][4:])
    assert dag["import_errors"] == {}
    tasks = dag["tasks"]
    assert sorted(tasks) == ["evaluate", "features", "load", "train_linear", "train_tree"]
    assert {t["operator"] for t in tasks.values()} == {"KubernetesPodOperator"}
    assert {t["image"] for t in tasks.values()} == {"churn:v1"}
    assert tasks["train_linear"]["retries"] == 1 and tasks["train_linear"]["timeout_s"] == 600
    assert tasks["train_linear"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    assert tasks["evaluate"]["upstream"] == ["train_linear", "train_tree"]
    assert tasks["load"]["volume_mounts"] == ["/data"]
    # every pod: the MLflow store from the Airflow Variables of the same names (none: untracked)
    assert {json.dumps(t["env"], sort_keys=True) for t in tasks.values()} == {
        json.dumps(
            {name: "{{ var.value.get('%s', '') }}" % name for name in common.TRACKING_ENV}, sort_keys=True
        )
    }
    order = ["load", "features", "train_linear", "train_tree", "evaluate"]
    for name in order:
        argv = tasks[name]["cmds"] + tasks[name]["arguments"]
        assert argv[:3] == ["notebook-ops", "run-step", "/bundle"]
        argv[0], argv[2] = NOTEBOOK_OPS, str(churn_bundle)
        run = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert run.returncode == 0, (name, run.stderr[-2000:])
    store = tmp_path / "data" / "churn_image" / "manual__2026-01-05T06_00_00_00_00"
    metrics = {m["name"]: m["value"] for m in json.loads((store / "evaluate" / "_metrics.json").read_text())}
    assert metrics["accuracy"] >= 0.8
    assert tasks["load"]["arguments"][-5:] == ["n_customers", "1600", "--param-value", "seed", "7"]
