"""The example pipeline end to end with real kernels: run.json, git provenance, MLflow contents,
cache hits and misses after an edit, the source notebook untouched."""

from __future__ import annotations

import json
import shutil

from conftest import sha
from nbfactory import EXAMPLES
from notebook_ops.execution import run_notebook

REQUIRED = {
    "run_id",
    "status",
    "started_at",
    "finished_at",
    "parameters",
    "steps",
    "metrics",
    "targets",
    "git",
    "notebook_hash",
    "notebook_ops_version",
    "mlflow",
}
STEP_KEYS = {"status", "started_at", "finished_at", "duration_s", "cached", "attempts", "error", "notebook"}


def test_example_pipeline_tracked_cached_and_edited(git_repo):
    root = git_repo.working_tree_dir
    nb = shutil.copy(EXAMPLES / "churn.ipynb", root)
    git_repo.index.add(["churn.ipynb"])
    commit = git_repo.index.commit("example").hexsha
    before = sha(nb)
    events = []

    first = run_notebook(nb, params={"epochs": "100"}, jobs=2, progress=events.append)
    rec = first.record
    assert first.status == "succeeded", rec["error"]
    assert first.exit_code == 0
    assert REQUIRED <= set(rec)
    assert all(STEP_KEYS <= set(s) for s in rec["steps"].values())
    assert [s["status"] for s in rec["steps"].values()] == ["succeeded"] * 5
    assert rec["parameters"]["epochs"] == 100
    assert rec["git"] == {"commit": commit, "branch": "main", "dirty": False}
    assert rec["metrics"]["accuracy"] > 0.5
    assert rec["targets"] == [
        {
            "metric": "accuracy",
            "condition": ">= 0.8",
            "value": rec["metrics"]["accuracy"],
            "met": rec["metrics"]["accuracy"] >= 0.8,
        }
    ]
    on_disk = json.loads((first.run_dir / "run.json").read_text())
    assert on_disk["status"] == rec["status"] and on_disk["mlflow"]["run_id"]
    assert str(first.run_dir).startswith(str(root) + "/.notebook_ops/runs/")
    for step in rec["steps"]:
        assert (first.run_dir / "steps" / f"{step}.ipynb").is_file()
    kinds = json.loads((first.run_dir / "data" / "features" / "_outputs.json").read_text())
    assert {e["kind"] for e in kinds["outputs"].values()} == {"npy"}
    kinds = json.loads((first.run_dir / "data" / "load" / "_outputs.json").read_text())
    assert kinds["outputs"]["customers"]["kind"] == "pandas-arrow"
    # progress events: run started, each step started and finished, run finished
    names = [(e["event"], e.get("step")) for e in events]
    assert names[0] == ("run_started", None) and names[-1] == ("run_finished", None)
    for step in rec["steps"]:
        assert ("step_started", step) in names and ("step_finished", step) in names

    # MLflow: parent + one nested run per step, read back with MlflowClient
    from mlflow.tracking import MlflowClient

    uri = rec["mlflow"]["tracking_uri"]
    assert uri == f"sqlite:///{root}/.notebook_ops/mlflow.db"
    client = MlflowClient(tracking_uri=uri)
    parent = client.get_run(rec["mlflow"]["run_id"])
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["git_commit"] == commit
    assert parent.data.tags["notebook_hash"] == rec["notebook_hash"] == before
    assert parent.data.params["epochs"] == "100"
    assert parent.data.metrics["accuracy"] == rec["metrics"]["accuracy"]
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    by_name = {r.info.run_name: r for r in children}
    assert set(by_name) == set(rec["steps"])
    assert by_name["train_linear"].data.params == {"epochs": "100", "learning_rate": "0.5"}
    assert "accuracy" in by_name["evaluate"].data.metrics
    arts = [a.path for a in client.list_artifacts(by_name["evaluate"].info.run_id, "notebooks")]
    assert arts == ["notebooks/evaluate.ipynb"]

    # nothing changed: every step comes from the cache, no kernel is started
    second = run_notebook(nb, params={"epochs": "100"}, track=False)
    assert second.status == "succeeded"
    assert all(s["cached"] for s in second.record["steps"].values())
    assert not (second.run_dir / "logs" / "kernels.log").exists()
    assert second.record["metrics"] == rec["metrics"]

    # a parameter only train_linear reads: train_linear and evaluate run again
    third = run_notebook(nb, params={"epochs": "120"}, track=False, jobs=2)
    cached = {n: s["cached"] for n, s in third.record["steps"].items()}
    assert cached == {
        "load": True,
        "features": True,
        "train_linear": False,
        "train_tree": True,
        "evaluate": False,
    }

    # edit the code of train_tree (in the notebook file): it runs again; its output is the
    # same bytes, so evaluate (keyed on its inputs' hashes) is still a cache hit
    data = json.loads(open(nb).read())
    cell = next(c for c in data["cells"] if "step:train_tree" in c["metadata"].get("tags", []))
    cell["source"] = "".join(cell["source"]) + "\n# edited\n"
    with open(nb, "w") as f:
        json.dump(data, f)
    edited = sha(nb)
    fourth = run_notebook(nb, params={"epochs": "100"}, track=False, jobs=2)
    cached = {n: s["cached"] for n, s in fourth.record["steps"].items()}
    assert cached == {
        "load": True,
        "features": True,
        "train_linear": True,
        "train_tree": False,
        "evaluate": True,
    }
    assert fourth.record["git"]["dirty"] is True
    # the runner never writes the notebook
    assert sha(nb) == edited != before
