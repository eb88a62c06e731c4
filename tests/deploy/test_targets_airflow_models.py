"""The exported Airflow DAG registers the model its step logs, on a real Airflow 3 (``airflow dags
test`` in a temporary AIRFLOW_HOME): the MLflow store is the Airflow Variable
``MLFLOW_TRACKING_URI`` (here from the environment, ``AIRFLOW_VAR_MLFLOW_TRACKING_URI``; the
workers' own environment has none), never the author's. The version carries the bundle's
lineage and the DAG run's id, one parent run holds both tasks, and the last task applies the
promote setting."""

from __future__ import annotations

import json
import os
import subprocess

import yaml

from clikit import run_cli
from trackingkit import MODEL_CELLS
from nbfactory import write_nb
from targetkit import NOTEBOOK_OPS

SETTINGS = {
    "metric_targets": {"accuracy": ">= 0.9"},
    "promote": {"model": "churn-clf", "alias": "champion"},
}


def test_the_airflow_dag_registers_the_model_in_the_store_its_variable_names(airflow_venv, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    write_nb(project, "churn.ipynb", MODEL_CELLS, {"notebook_ops": SETTINGS})
    # the author's own store is set while exporting: it must not reach the DAG
    exported = run_cli(
        "export",
        "churn.ipynb",
        "--target",
        "airflow",
        cwd=project,
        env={"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'author.db'}"},
        timeout=600,
    )
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "churn-v1"
    manifest = yaml.safe_load((bundle / "pipeline.yaml").read_text())
    assert "author.db" not in (bundle / "targets" / "airflow" / "churn_dag.py").read_text()

    home, data, registry = tmp_path / "airflow_home", tmp_path / "airflow_data", tmp_path / "registry.db"
    home.mkdir()
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS", "MLFLOW"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(bundle / "targets" / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW_VAR_MLFLOW_TRACKING_URI=f"sqlite:///{registry}",  # an Airflow Variable
        NOTEBOOK_OPS_BIN=NOTEBOOK_OPS,
        NOTEBOOK_OPS_DATA=str(data),
        PATH=f"{airflow_venv / 'bin'}:{env.get('PATH', '')}",
    )
    airflow = str(airflow_venv / "bin" / "airflow")
    for args in (["db", "migrate"], ["dags", "test", "churn"]):
        done = subprocess.run(
            [airflow, *args], env=env, cwd=home, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
    (run_dir,) = list((data / "churn").iterdir())  # DATA_ROOT/<dag_id>/<run id>

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    (version,) = client.search_model_versions("name = 'churn-clf'")
    tags = version.tags
    assert (tags["notebook_ops.bundle"], tags["notebook_ops.bundle_version"]) == ("churn", "1")
    assert tags["notebook_ops.bundle_content_sha256"] == manifest["content_sha256"]
    assert (tags["notebook_ops.run_id"], tags["notebook_ops.step"]) == (f"churn/{run_dir.name}", "train")
    assert json.loads(tags["notebook_ops.parameters"]) == {"C": 1.0}
    # one parent run for the two tasks, finished by the last with the run's outcome and promotion
    parent = client.get_run(client.get_run(version.run_id).data.tags["mlflow.parentRunId"])
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(r.data.tags["notebook_ops.step"] for r in children) == ["data", "train"]
    assert client.get_model_version_by_alias("churn-clf", "champion").version == version.version
