"""``nbo.log_model`` in a pipeline step registers a version in a real MLflow Model Registry
(sqlite store) with its lineage; ``models promote`` lets it become the champion only when its
run met the pipeline's targets (and, with ``--vs``, beats the champion)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from nbfactory import write_nb
from waiting import eventually
from notebook_ops.execution import run_notebook
from clikit import run_cli
from notebook_ops.events import schema
from trackingkit import MODEL_CELLS, free_port, predict, scoring_server

# the registry tests' notebook, its train step keeping the URI log_model returns
CELLS = [
    *MODEL_CELLS[:-1],
    (MODEL_CELLS[-1][0].replace("nbo.log_model", "uri = nbo.log_model"), ["step:train"]),
]
TARGETS = {"notebook_ops": {"metric_targets": {"accuracy": ">= 0.9"}}}
# a later pipeline: scores new data with whatever version is the champion now
SCORE_CELLS = [
    ("import numpy as np\nimport mlflow.pyfunc\nimport notebook_ops as nbo", ["setup"]),
    ("X = np.random.default_rng(1).normal(size=(50, 3))", ["step:fresh"]),
    (
        "model = mlflow.pyfunc.load_model('models:/churn-clf@champion')\n"
        "agreement = float((model.predict(X) == (X[:, 0] > 0)).mean())\n"
        "nbo.log_metric('agreement', agreement)",
        ["step:score"],
    ),
]


def _read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _cli(cwd, *args):
    return run_cli(*args, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """Two tracked runs of one notebook: C=1.0 meets the target, C=0.001 misses it."""
    root = tmp_path_factory.mktemp("models")
    nb = write_nb(root, "churn.ipynb", CELLS, TARGETS)
    good = run_notebook(nb, cache=False)
    bad = run_notebook(nb, params={"C": 0.001}, cache=False)
    return root, nb, good, bad


def _client(root):
    from mlflow.tracking import MlflowClient

    return MlflowClient(f"sqlite:///{root / '.notebook_ops' / 'mlflow.db'}")


def test_each_run_registers_a_version_with_its_lineage(registry):
    root, _, good, bad = registry
    assert good.status == "succeeded", good.record["error"]
    assert bad.status == "below_target"
    versions = sorted(_client(root).search_model_versions("name = 'churn-clf'"), key=lambda v: int(v.version))
    assert [str(v.version) for v in versions] == ["1", "2"]
    tags = versions[0].tags
    assert tags["notebook_ops.run_id"] == good.record["run_id"]
    assert tags["notebook_ops.step"] == "train"
    assert tags["notebook_ops.pipeline"] == "churn"
    assert json.loads(tags["notebook_ops.parameters"]) == {"C": 1.0}
    assert tags["notebook_ops.inputs"] == good.record["steps"]["train"]["cache_key"]
    assert json.loads(versions[1].tags["notebook_ops.parameters"]) == {"C": 0.001}


def test_the_registered_version_loads_and_predicts_as_the_trained_model(registry):
    import mlflow.sklearn

    root, *_ = registry
    mlflow.set_tracking_uri(f"sqlite:///{root / '.notebook_ops' / 'mlflow.db'}")
    try:
        model = mlflow.sklearn.load_model("models:/churn-clf/1")
    finally:
        mlflow.set_tracking_uri("")
    X = np.random.default_rng(0).normal(size=(80, 3))
    assert model.C == 1.0
    assert (model.predict(X) == (X[:, 0] > 0)).mean() > 0.9


def test_promotion_is_gated_on_the_targets(registry):
    root, *_ = registry
    refused = _cli(root, "models", "promote", "churn-clf", "--version", "2", "--alias", "champion")
    assert refused.returncode == 3, refused.stderr
    assert "accuracy" in refused.stdout and "missed" in refused.stdout and "below_target" in refused.stdout
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    events = root / "promotions.jsonl"
    assert not events.exists()  # a refused promotion is no event
    ok = _cli(
        root,
        "models",
        "promote",
        "churn-clf",
        "--version",
        "1",
        "--alias",
        "champion",
        "--why",
        "baseline",
        "--events",
        str(events),
    )
    assert ok.returncode == 0, ok.stderr
    (event,) = _read_jsonl(events)  # the command's publisher is closed at its exit
    schema.validate(event)
    assert event["type"] == "model.promoted" and event["pipeline"] == "churn"
    data = event["data"]
    assert (data["model"], data["version"], data["alias"], data["previous_version"]) == (
        "churn-clf",
        1,
        "champion",
        None,
    )
    assert (data["why"], data["gate"], data["origin"]) == ("baseline", "passed", "manual")
    assert data["run_id"] == registry[2].record["run_id"] and data["by"]
    assert any("accuracy" in c and "met" in c for c in data["checks"])
    client = _client(root)
    assert str(client.get_model_version_by_alias("churn-clf", "champion").version) == "1"
    promoted = json.loads(client.get_model_version("churn-clf", "1").tags["notebook_ops.promoted.champion"])
    assert promoted["gate"] == "passed" and promoted["why"] == "baseline"
    assert promoted["run_id"] == registry[2].record["run_id"]
    # version 2 does not beat the champion: refused, the alias stays
    vs = _cli(
        root, "models", "promote", "churn-clf", "--version", "2", "--alias", "champion", "--vs", "champion"
    )
    assert vs.returncode == 3
    assert "does not beat 'champion' (version 1)" in vs.stdout
    assert str(client.get_model_version_by_alias("churn-clf", "champion").version) == "1"
    forced = _cli(
        root,
        "models",
        "promote",
        "churn-clf",
        "--version",
        "2",
        "--alias",
        "canary",
        "--force",
        "--events",
        str(events),
    )
    assert forced.returncode == 0, forced.stderr
    tag = json.loads(client.get_model_version("churn-clf", "2").tags["notebook_ops.promoted.canary"])
    assert tag["gate"] == "forced"
    assert [(e["data"]["version"], e["data"]["gate"]) for e in _read_jsonl(events)] == [
        (1, "passed"),
        (2, "forced"),
    ]
    shown = _cli(root, "models", "show", "churn-clf", "--json")
    rows = json.loads(shown.stdout)
    # the registry is shared by this module's tests: the serving test's "served" alias may be
    # on version 1 already when the suite runs in random order
    aliases = [(r["version"], [a for a in r["aliases"] if a in ("canary", "champion")]) for r in rows]
    assert aliases == [(2, ["canary"]), (1, ["champion"])]


def test_compare_shows_two_versions_side_by_side(registry):
    """``models compare``: the runs' parameters and metrics against the targets, the objective
    and the lineage of two versions (by number, by alias, or the two newest)."""
    root, _, good, bad = registry
    out = _cli(root, "models", "compare", "churn-clf", "1", "2", "--json")
    assert out.returncode == 0, out.stderr
    c = json.loads(out.stdout)
    assert [v["version"] for v in c["versions"]] == [1, 2]
    assert [v["status"] for v in c["versions"]] == ["succeeded", "below_target"]
    [param] = c["parameters"]
    assert (param["name"], param["values"], param["differs"]) == ("C", ["1.0", "0.001"], True)
    acc = next(m for m in c["metrics"] if m["name"] == "accuracy")
    assert acc["target"] == ">= 0.9" and acc["met"] == [True, False]
    assert acc["values"] == [good.record["metrics"]["accuracy"], bad.record["metrics"]["accuracy"]]
    assert acc["delta"] == pytest.approx(acc["values"][1] - acc["values"][0])
    assert c["objective"] == {"metric": "accuracy", "higher_is_better": True, "better": 1}
    lineage = {r["name"]: r for r in c["lineage"]}
    assert lineage["run_id"]["values"] == [good.record["run_id"], bad.record["run_id"]]
    assert lineage["inputs"]["values"] == [
        good.record["steps"]["train"]["cache_key"],
        bad.record["steps"]["train"]["cache_key"],
    ]
    assert lineage["step"]["differs"] is False
    # no versions given: the two newest, oldest first; the text shows the same, * where they differ
    text = _cli(root, "models", "compare", "churn-clf")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:2] == ["churn-clf", "v1"]
    assert any(line.split()[:3] == ["C", "1.0", "0.001"] and line.endswith("*") for line in lines)
    assert any(
        line.strip().startswith("accuracy (>= 0.9)") and " met " in line and "missed" in line
        for line in lines
    )
    assert "objective: accuracy (higher is better): v1 is better" in text.stdout
    # bad input: one line, exit 2, nothing else
    for args, message in (
        (("1",), "give two versions to compare (got 1)"),
        (("--aliases", "nobody", "champion"), "model 'churn-clf' has no version 'nobody'"),
        (("1", "9"), "model 'churn-clf' version 9: not in the registry"),
    ):
        bad_input = _cli(root, "models", "compare", "churn-clf", *args)
        assert bad_input.returncode == 2, bad_input.stderr
        assert message in bad_input.stderr and len(bad_input.stderr.strip().splitlines()) == 1


def test_a_cached_step_registers_no_new_version(tmp_path):
    nb = write_nb(tmp_path, "churn.ipynb", CELLS, TARGETS)
    first = run_notebook(nb)
    again = run_notebook(nb)
    assert first.status == again.status == "succeeded"
    assert again.record["steps"]["train"]["cached"] is True
    assert [str(v.version) for v in _client(tmp_path).search_model_versions("name = 'churn-clf'")] == ["1"]


def test_unknown_models_and_bad_names_are_one_line_errors(registry, tmp_path):
    root, *_ = registry
    missing = _cli(root, "models", "show", "nope")
    assert missing.returncode == 2 and "no registered model 'nope'" in missing.stderr
    nostore = _cli(tmp_path, "models", "list")
    assert nostore.returncode == 2 and "no MLflow store here" in nostore.stderr
    assert not (tmp_path / ".notebook_ops").exists()
    # a literal name is checked before the run (tests/model/test_logged_models.py); one the
    # code computes, when the step calls log_model
    nb = write_nb(
        tmp_path,
        "bad.ipynb",
        [("import notebook_ops as nbo\nname = 'bad' + ' name!'\nnbo.log_model(1, name)", ["step:a"])],
    )
    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "failed"
    assert "model name 'bad name!' must start with a letter or digit" in res.record["steps"]["a"]["error"]


def test_the_promote_setting_promotes_after_a_run_that_meets_its_targets(tmp_path):
    """A schedule retrains, evaluates and promotes with nobody in the loop: the run that meets
    the target becomes the champion, the one that misses it does not."""

    promote = {"model": "churn-clf", "alias": "champion", "vs": "champion"}
    settings = {**TARGETS["notebook_ops"], "promote": promote, "events": ["events.jsonl"]}
    nb = write_nb(tmp_path, "churn.ipynb", CELLS, {"notebook_ops": settings})
    good = run_notebook(nb, cache=False)
    bad = run_notebook(nb, params={"C": 0.001}, cache=False)
    assert (good.status, bad.status) == ("succeeded", "below_target")
    client = _client(tmp_path)
    assert str(client.get_model_version_by_alias("churn-clf", "champion").version) == "1"
    logged = json.loads(
        (tmp_path / ".notebook_ops" / "runs" / bad.record["run_id"] / "tracking" / "logged.json").read_text()
    )
    assert logged["promotion"]["promoted"] is False and logged["promotion"]["version"] == "2"
    assert any("missed" in r for r in logged["promotion"]["reasons"])
    parent = client.get_run(bad.record["mlflow"]["run_id"])
    assert "not promoted" in parent.data.tags["notebook_ops.promotion"]
    promoted = json.loads(client.get_model_version("churn-clf", "1").tags["notebook_ops.promoted.champion"])
    assert promoted["run_id"] == good.record["run_id"]
    # a later pipeline loads the champion by its alias: its kernels use the run's registry
    scorer = write_nb(tmp_path, "score.ipynb", SCORE_CELLS)
    scored = run_notebook(scorer, cache=False)
    assert scored.status == "succeeded", scored.record["error"]
    assert scored.record["metrics"]["agreement"] > 0.9
    # the promotion went to the run's sinks (the notebook's events setting), once; the run that
    # missed its target promoted nothing
    sink = tmp_path / "events.jsonl"

    def promotions():
        return [e for e in _read_jsonl(sink) if e["type"] == "model.promoted"]

    eventually(promotions, timeout=30, interval=0.1, what="the model.promoted event")
    (event,) = promotions()
    schema.validate(event)
    assert event["run_id"] == event["data"]["run_id"] == good.record["run_id"]
    assert (event["data"]["version"], event["data"]["origin"], event["data"]["gate"]) == (
        1,
        "setting",
        "passed",
    )


def test_a_bundle_registers_with_its_bundle_lineage_and_promotes(tmp_path):
    """The manifest carries the promote setting: the bundle's run registers and promotes as
    the notebook's does, and the version names the bundle and its version."""
    promote = {"model": "churn-clf", "alias": "champion"}
    write_nb(
        tmp_path, "churn.ipynb", CELLS, {"notebook_ops": {**TARGETS["notebook_ops"], "promote": promote}}
    )
    exported = _cli(tmp_path, "export", "churn.ipynb")
    assert exported.returncode == 0, exported.stderr
    ran = _cli(tmp_path, "run", "dist/churn-v1")
    assert ran.returncode == 0, ran.stderr
    run_dir = max((tmp_path / ".notebook_ops" / "runs").iterdir())
    logged = run_dir / "tracking" / "logged.json"
    eventually(  # the follower process logs, registers and promotes after the command
        lambda: logged.is_file() and json.loads(logged.read_text()).get("finished"),
        timeout=60,
        interval=0.1,
        what="the tracking follower to finish",
    )
    client = _client(tmp_path)
    version = client.get_model_version_by_alias("churn-clf", "champion")
    assert version.tags["notebook_ops.bundle"] == "churn"
    assert version.tags["notebook_ops.bundle_version"] == "1"
    assert len(version.tags["notebook_ops.bundle_content_sha256"]) == 64


def test_the_champion_is_served_and_answers_predictions(registry):
    """``models serve NAME@ALIAS``: MLflow's scoring server on loopback answers as the model."""
    root, *_ = registry
    promoted = _cli(root, "models", "promote", "churn-clf", "--version", "1", "--alias", "served")
    assert promoted.returncode == 0, promoted.stderr
    port = free_port()
    serve = [sys.executable, "-m", "notebook_ops", "models", "serve", "churn-clf@served", "--port", str(port)]
    with scoring_server(serve, port, cwd=root) as url:
        assert predict(url, [[2.0, 0.1, 0.3], [-2.0, 0.0, 0.5]]) == [1, 0]
    missing = _cli(root, "models", "serve", "churn-clf@nobody")
    assert missing.returncode == 2 and "'churn-clf@nobody' is not in the registry" in missing.stderr
