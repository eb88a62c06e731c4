"""A manual ``models promote`` alerts like the promote setting does: a real tracked run of a
notebook whose settings hold ``alerts`` for ``model.promoted`` (and no promote setting) registers
a version; promoting it by hand tells the pipeline's webhook once, through the outbox (promoting
it again to the same alias tells nobody twice); a version promoted to another alias is news."""

from __future__ import annotations

import json

from clikit import run_cli
from nbfactory import write_nb
from waiting import eventually

CELLS = [
    (
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nimport notebook_ops as nbo",
        ["setup"],
    ),
    ("C = 1.0", ["parameters"]),
    (
        "rng = np.random.default_rng(0)\nX = rng.normal(size=(80, 3))\ny = (X[:, 0] > 0).astype(int)\n"
        "model = LogisticRegression(C=C).fit(X, y)\n"
        "nbo.log_metric('accuracy', model.score(X, y))\n"
        "nbo.log_model(model, 'churn-clf', input_example=X[:3])",
        ["step:train"],
    ),
]


def test_a_manual_promotion_alerts_the_pipelines_webhook_once(tmp_path, hook, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    # the destination through the environment, as a notebook names one (no URL in the notebook)
    monkeypatch.setenv("CHURN_PROMOTIONS_URL", f"{hook.url}/promotions")
    settings = {
        "metric_targets": {"accuracy": ">= 0.9"},
        "alerts": [{"to": "env:CHURN_PROMOTIONS_URL", "on": ["model.promoted"]}],
    }
    nb = write_nb(project, "churn.ipynb", CELLS, {"notebook_ops": settings})
    tracking = f"sqlite:///{tmp_path / 'registry.db'}"
    env = {"MLFLOW_TRACKING_URI": tracking}
    ran = run_cli("run", nb, "-q", cwd=project, env=env, timeout=900)
    assert ran.returncode == 0, ran.stderr
    assert hook.got == []  # a run alone promotes nothing

    # the run's tracking goes on beside it (tracking/outbox.py): run.json names the MLflow run
    # once it is all written
    (record,) = (project / ".notebook_ops" / "runs").glob("*/run.json")
    eventually(
        lambda: (json.loads(record.read_text()).get("mlflow") or {}).get("run_id"),
        timeout=120,
        interval=0.5,
        what="the run's MLflow records",
    )

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking)
    # the follower registers the step's model after it names the run (a random-order CI run
    # looked between the two and found no version)
    eventually(
        lambda: len(client.search_model_versions("name = 'churn-clf'")) == 1,
        timeout=120,
        interval=0.5,
        what="the run's model version",
    )
    (version,) = client.search_model_versions("name = 'churn-clf'")
    assert version.tags["notebook_ops.pipeline"] == "churn"
    parent_id = client.get_run(version.run_id).data.tags["mlflow.parentRunId"]
    eventually(
        lambda: "notebook_ops.status" in client.get_run(parent_id).data.tags,
        timeout=120,
        interval=0.5,
        what="the parent run's outcome",
    )
    parent = client.get_run(parent_id)
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    assert "env:CHURN_PROMOTIONS_URL" in parent.data.tags["notebook_ops.alerts"]  # never the URL
    assert hook.url not in parent.data.tags["notebook_ops.alerts"]

    promoted = run_cli("models", "promote", "churn-clf", "--alias", "champion", "--why", "reviewed", env=env)
    assert promoted.returncode == 0, (promoted.stdout, promoted.stderr)
    assert [g["headers"]["X-Notebook-Ops-Alert"] for g in hook.got] == ["model.promoted"]
    got = hook.got[0]
    assert got["path"] == "/promotions"
    alert = got["body"]["alert"]
    assert alert["id"] == f"model.promoted:churn-clf:{version.version}:champion"
    assert alert["pipeline"] == "churn" and alert["text"] == "reviewed"

    again = run_cli("models", "promote", "churn-clf", "--alias", "champion", env=env)
    assert again.returncode == 0, again.stderr
    assert len(hook.got) == 1  # the same promotion: the outbox sent it once

    staging = run_cli("models", "promote", "churn-clf", "--alias", "staging", env=env)
    assert staging.returncode == 0, staging.stderr
    assert [g["body"]["alert"]["id"] for g in hook.got[1:]] == [
        f"model.promoted:churn-clf:{version.version}:staging"
    ]


def test_a_promotion_by_orchestrator_tasks_alerts_from_the_bundles_alerts(tmp_path, hook, monkeypatch):
    """The bundle carries the alerts; its tasks (``run-step``, each in its own empty folder) record
    them on the parent run, and the last task's promotion tells the webhook once."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("CHURN_PROMOTIONS_URL", f"{hook.url}/promotions")
    settings = {
        "metric_targets": {"accuracy": ">= 0.9"},
        "promote": {"model": "churn-clf", "alias": "champion"},
        "alerts": [{"to": "env:CHURN_PROMOTIONS_URL", "on": ["model.promoted"]}],
    }
    data, train = CELLS[2][0].split("\nmodel = ", 1)
    cells = [*CELLS[:2], (data, ["step:data"]), ("model = " + train, ["step:train"])]
    write_nb(project, "churn.ipynb", cells, {"notebook_ops": settings})
    exported = run_cli("export", "churn.ipynb", "--target", "none", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "churn-v1"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'registry.db'}"}
    for step in ("data", "train"):
        task = tmp_path / f"task-{step}"
        task.mkdir()
        ran = run_cli(
            "run-step", bundle, step, "--data", tmp_path / "data", "--run-id", "orch-1", cwd=task, env=env
        )
        assert ran.returncode == 0, ran.stderr
        if step == "data":
            assert hook.got == []  # nothing promoted yet
    assert "churn-clf v1 -> champion: promoted" in ran.stdout
    assert [g["body"]["alert"]["id"] for g in hook.got] == ["model.promoted:churn-clf:1:champion"]
    assert hook.got[0]["body"]["alert"]["pipeline"] == "churn"
