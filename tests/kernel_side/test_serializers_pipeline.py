"""Values no pickle can carry, handed between steps by real kernels: Kale's xgboost example
(``DMatrix``, ``Booster``) runs in forked kernels and as one ``run-step`` per step in empty
folders; skops on request; a value nothing can save fails its step with one line in the
command's output and in run.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import sha, write_nb
from notebook_ops.execution import run_notebook

NOTEBOOK_OPS = str(Path(sys.executable).parent / "notebook-ops")

XGB_CELLS = [
    ("rounds = 4  # boosting rounds", ["parameters"]),
    ("import numpy as np\nimport xgboost as xgb\nimport notebook_ops as nbo", ["imports"]),  # Kale's tag
    (
        "rng = np.random.default_rng(0)\n"
        "X = rng.random((200, 4))\n"
        "y = (X[:, 0] + X[:, 1] > 1).astype(float)\n"
        "D_trn = xgb.DMatrix(X[:150], label=y[:150])\n"
        "D_tst = xgb.DMatrix(X[150:], label=y[150:])",
        ["step:data"],
    ),
    (
        "bst = xgb.train({'objective': 'binary:logistic', 'max_depth': 2}, D_trn, num_boost_round=rounds)",
        ["step:train", "prev:data"],
    ),
    (
        "pred = bst.predict(D_tst)\n"
        "accuracy = float(((pred > 0.5) == D_tst.get_label()).mean())\n"
        "nbo.log_metric('accuracy', accuracy)\n"
        "print('rows', D_tst.num_row())",
        ["step:evaluate", "prev:train"],
    ),
]


@pytest.fixture(scope="module")
def xgb_notebook(tmp_path_factory):
    return write_nb(tmp_path_factory.mktemp("xgb"), "xgb.ipynb", XGB_CELLS)


def _kinds(manifest_path: Path) -> dict:
    return {k: e["kind"] for k, e in json.loads(manifest_path.read_text())["outputs"].items()}


def test_dmatrix_and_booster_between_forked_kernels(xgb_notebook):
    before = sha(xgb_notebook)
    res = run_notebook(xgb_notebook, track=False, cache=False, kernels="fork")
    assert res.status == "succeeded", res.record["error"]
    data = res.run_dir / "data"
    assert _kinds(data / "data" / "_outputs.json") == {"D_trn": "xgboost-dmatrix", "D_tst": "xgboost-dmatrix"}
    assert _kinds(data / "train" / "_outputs.json") == {"bst": "xgboost-booster"}
    metrics = json.loads((data / "evaluate" / "_metrics.json").read_text())
    assert metrics[0]["name"] == "accuracy" and metrics[0]["value"] >= 0.8
    assert sha(xgb_notebook) == before


def test_dmatrix_and_booster_step_by_step_from_the_bundle(xgb_notebook, tmp_path):
    from notebook_ops.bundle import export_notebook

    bundle = export_notebook(
        xgb_notebook, out_dir=tmp_path / "dist", track=False, tag=False, allow_dirty=True, target_names=[]
    ).folder
    store = tmp_path / "store"
    results = {}
    for step in ("data", "train", "evaluate"):
        task = tmp_path / f"task-{step}"  # each task in its own empty folder, as an orchestrator
        task.mkdir()
        done = subprocess.run(
            [NOTEBOOK_OPS, "run-step", str(bundle), step, "--data", str(store), "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=task,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        results[step] = json.loads(done.stdout)
    assert _kinds(store / "train" / "_outputs.json") == {"bst": "xgboost-booster"}
    assert results["evaluate"]["metrics"]["accuracy"] >= 0.8


def test_sklearn_through_skops_when_asked(tmp_path):
    cells = [
        ("import numpy as np\nfrom sklearn.linear_model import LogisticRegression", ["setup"]),
        (
            "X = np.random.default_rng(0).random((50, 2))\ny = (X[:, 0] > 0.5).astype(int)\n"
            "model = LogisticRegression().fit(X, y)",
            ["step:fit"],
        ),
        ("score = model.score(X, y)\nassert score > 0.8", ["step:score"]),
    ]
    nb = write_nb(tmp_path, "sk.ipynb", cells, {"notebook_ops": {"serializers": {"sklearn": "skops"}}})
    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "succeeded", res.record["error"]
    assert _kinds(res.run_dir / "data" / "fit" / "_outputs.json")["model"] == "skops"


def test_unsaveable_output_fails_the_step_in_one_line(tmp_path):
    cells = [
        ("import sqlite3", ["setup"]),
        ("conn = sqlite3.connect(':memory:')", ["step:open"]),
        ("rows = conn.execute('select 1').fetchall()", ["step:query"]),
    ]
    nb = write_nb(tmp_path, "db.ipynb", cells)
    before = sha(nb)
    done = subprocess.run(
        [NOTEBOOK_OPS, "run", str(nb), "--no-cache", "--no-track"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    shown = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("step open: ")]
    assert len(shown) == 1, done.stdout + done.stderr  # the summary line under the table
    assert "Traceback" not in done.stdout + done.stderr
    expected = (
        "step 'open': cannot save output 'conn' (sqlite3.Connection): TypeError: cannot pickle "
        "'sqlite3.Connection' object; compute it in the step that uses it, or register a serialiser "
        "for sqlite3.Connection (entry point group notebook_ops.serializers"
    )
    assert expected in shown[0]
    runs = sorted((tmp_path / ".notebook_ops" / "runs").glob("*/run.json"))
    record = json.loads(runs[-1].read_text())
    assert record["steps"]["open"]["status"] == "failed"
    assert expected in record["steps"]["open"]["error"]
    assert record["steps"]["query"]["status"] == "skipped"
    assert sha(nb) == before


def test_the_serializers_setting_is_validated_and_reaches_the_plumbing():
    from nbfactory import make_notebook
    from notebook_ops.model import build_pipeline
    from notebook_ops.execution.stepnb import build_step_notebook

    cells = [("x = 1", ["step:a"]), ("y = x", ["step:b"])]
    bad = build_pipeline(make_notebook(cells, {"notebook_ops": {"serializers": {"sklearn": "pickle"}}}))
    [problem] = [p for p in bad.problems if p.code == "invalid-settings"]
    assert "serializers" in problem.message and "cloudpickle" in problem.message
    unknown = build_pipeline(make_notebook(cells, {"notebook_ops": {"serializers": {"torch": "x"}}}))
    assert [p.code for p in unknown.problems] == ["invalid-settings"]

    def plumbing(settings):
        p = build_pipeline(make_notebook(cells, {"notebook_ops": settings} if settings else None))
        nb = build_step_notebook(p, "a")
        return "".join(
            next(c for c in nb["cells"] if "nbo-plumbing" in c["metadata"].get("tags", []))["source"]
        )

    assert "serializers={'sklearn': 'skops'}" in plumbing({"serializers": {"sklearn": "skops"}})
    assert "serializers" not in plumbing({})  # step notebooks without the setting are as before
