"""The done-when of alerts, end to end: a notebook with metric targets, the ``promote`` setting
and alerts, scheduled twice through the real scheduler service (real runs, real kernels, a real
MLflow registry in sqlite). The run that misses its target alerts once (the webhook named by the
pipeline and by the schedule hears once; e-mail through STARTTLS) and promotes nothing; the run
that meets it promotes, alerts the promotion once, and ``models serve`` of the alias answers as
the new version."""

from __future__ import annotations

import json
import os
import sys

import pytest
from nbfactory import write_nb
from waiting import eventually
from trackingkit import free_port, predict, scoring_server

pytestmark = pytest.mark.slow

CELLS = [
    (
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nimport notebook_ops as nbo",
        ["setup"],
    ),
    ("C = 1.0\nflip = False  # train on flipped labels: a model that misses the target", ["parameters"]),
    (
        "rng = np.random.default_rng(0)\nX = rng.normal(size=(80, 3))\ny = (X[:, 0] > 0).astype(int)",
        ["step:data"],
    ),
    (
        "model = LogisticRegression(C=C).fit(X, 1 - y if flip else y)\n"
        "nbo.log_metric('accuracy', model.score(X, y))\n"
        "uri = nbo.log_model(model, 'churn-clf', input_example=X[:3])",
        ["step:train"],
    ),
]
SETTINGS = {
    "notebook_ops": {
        "metric_targets": {"accuracy": ">= 0.9"},
        "promote": {"model": "churn-clf", "alias": "champion"},
        # the pipeline's own alerts: the same receiver as the schedule's, through the environment
        "alerts": [{"to": "env:CHURN_ALERTS_URL", "on": ["run.failed", "target.missed", "model.promoted"]}],
    }
}
PROBE = [[2.0, 0.1, 0.3], [-2.0, 0.0, 0.5]]  # class 1, class 0 for a model that learned y


def _settled(store, name):
    from notebook_ops.scheduler import api

    def done():
        rows = [r for r in api.list_runs(name, limit=0, store=store) if r.final]
        return rows[0] if rows else None

    return done


def test_a_missed_target_alerts_once_and_a_met_one_promotes_and_is_served(tmp_path, monkeypatch, hook, smtp):
    from mlflow.tracking import MlflowClient

    from notebook_ops.scheduler import api
    from notebook_ops.scheduler.database import Store
    from notebook_ops.scheduler.service import SchedulerService

    root = tmp_path / "project"
    root.mkdir()
    nb = write_nb(root, "churn.ipynb", CELLS, SETTINGS)
    tracking = f"sqlite:///{root / 'mlflow.db'}"
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking)  # the runs, their followers, serve
    monkeypatch.setenv("CHURN_ALERTS_URL", f"{hook.url}/ops")
    store = Store(f"sqlite:///{tmp_path / 'scheduler.db'}")
    alerts = [f"{hook.url}/ops", {"to": "mailto:ops@example.com", "on": ["target.missed", "model.promoted"]}]
    for name, params in (("miss", {"flip": True}), ("meet", {})):
        api.add(nb, "0 0 1 1 *", name=name, parameters=params, alerts=alerts, workdir=root, store=store)
    svc = SchedulerService(store, workers=1, poll_s=0.2, triggers=False)
    svc.start()
    client = MlflowClient(tracking)

    def run(name):
        api.run_now(name, store=store)

        def ticked():
            svc.tick()
            return _settled(store, name)()

        row = eventually(ticked, timeout=900, interval=0.5, what=f"the {name} run to settle")
        svc.wait_notifications(60)
        return row

    try:
        missed = run("miss")
        assert missed.state == "below_target", missed.error
        rec = json.loads((missed.run_dir and open(os.path.join(missed.run_dir, "run.json")).read()) or "{}")
        assert rec["targets"][0]["met"] is False
        (told,) = hook.got  # the run's process and the scheduler both queued it: told once
        assert told["path"] == "/ops" and told["headers"]["X-Notebook-Ops-Alert"] == "target.missed"
        assert told["body"]["alert"]["id"] == f"target.missed:{missed.run_id}"
        assert "accuracy" in told["body"]["text"] and "(target >= 0.9)" in told["body"]["text"]
        eventually(lambda: len(smtp.messages) == 1, timeout=60, what="the e-mail of the missed target")
        assert "missed its metric targets" in smtp.messages[0]["Subject"] and smtp.envelopes[0][2]
        (v1,) = client.search_model_versions("name = 'churn-clf'")
        assert "champion" not in (v1.aliases or [])  # not promoted

        met = run("meet")
        assert met.state == "succeeded", met.error
        champion = client.get_model_version_by_alias("churn-clf", "champion")
        assert str(champion.version) == "2" and champion.run_id != v1.run_id
        promoted = [g for g in hook.got if g["headers"]["X-Notebook-Ops-Alert"] == "model.promoted"]
        assert len(promoted) == 1 and len(hook.got) == 2
        assert promoted[0]["body"]["alert"]["id"] == "model.promoted:churn-clf:2:champion"
        eventually(lambda: len(smtp.messages) == 2, timeout=60, what="the e-mail of the promotion")
        assert smtp.messages[1]["Subject"] == "notebook-ops: churn-clf version 2 is now 'champion'"
        for _ in range(5):  # more passes: nothing is told again
            svc.tick()
        svc.wait_notifications(30)
        assert len(hook.got) == 2 and len(smtp.messages) == 2
    finally:
        svc.shutdown()

    port = free_port()
    serve = [
        sys.executable,
        "-m",
        "notebook_ops",
        "models",
        "serve",
        "churn-clf@champion",
        "--port",
        str(port),
    ]
    with scoring_server(serve, port, cwd=root) as url:
        # version 2; version 1 learned flipped labels: [0, 1]
        assert predict(url, PROBE) == [1, 0]
