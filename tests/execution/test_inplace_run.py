"""Objects changed in place travel to the steps after, with real kernels, pandas and
scikit-learn: the pipeline gives what the notebook gives top to bottom (papermill)."""

from __future__ import annotations

import json

import papermill

from conftest import write_nb
from notebook_ops.model.build import load_pipeline
from notebook_ops.execution import run_notebook

HELPER = '''
def add_flag(frame):
    """Changes its argument where the notebook's analysis cannot look (another module)."""
    frame["flag"] = frame["v"] > 1
'''


def cells(helper_dir):
    return [
        (
            f"import sys\nsys.path.insert(0, {str(helper_dir)!r})\nimport json\nimport numpy as np\n"
            "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
            "import notebook_ops as nbo\nimport mutators",
            ["setup"],
        ),
        (
            "rng = np.random.default_rng(0)\nX = rng.normal(size=(60, 2))\ny = (X[:, 0] > 0).astype(int)\n"
            "model = LogisticRegression()\n"
            "df = pd.DataFrame({'a': [1.0, None, 3.0]})\n"
            "history = []\n"
            "train_df = pd.DataFrame({'v': [1, 2]})\ntest_df = pd.DataFrame({'v': [3]})\n"
            "data = [train_df, test_df]\n"
            "hidden = pd.DataFrame({'v': [1, 2, 3]})",
            ["step:prepare"],
        ),
        ("model.fit(X, y)\nhistory.append(0.5)", ["step:train"]),
        (
            "df.dropna(inplace=True)\ndf['b'] = df['a'] * 2\n"
            "for dataset in data:\n    dataset['x'] = dataset['v'] * 10\n"
            "mutators.add_flag(hidden)",
            ["step:clean"],
        ),
        (
            "result = {'score': float(model.score(X, y)), 'rows': len(df), 'b': float(df['b'].sum()),\n"
            "          'history': len(history), 'x': int(train_df['x'].sum() + test_df['x'].sum()),\n"
            "          'flags': int(hidden['flag'].sum())}\n"
            "for k, v in result.items():\n    nbo.log_metric(k, v)\n"
            "print(json.dumps(result, sort_keys=True))",
            ["step:evaluate"],
        ),
    ]


def test_changes_in_place_give_top_to_bottom_results(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mutators.py").write_text(HELPER)
    nb = write_nb(tmp_path, "inplace.ipynb", cells(tmp_path / "lib"))

    # top to bottom, one kernel, as the data scientist runs it
    out = papermill.execute_notebook(
        str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp_path)
    )
    text = "".join(o.get("text", "") for o in out["cells"][-1]["outputs"])
    expected = json.loads(text.strip().splitlines()[-1])
    assert expected == {"score": expected["score"], "rows": 2, "b": 8.0, "history": 1, "x": 60, "flags": 2}

    p = load_pipeline(nb)
    assert p.step("train").changed == ("history", "model")
    assert set(p.step("clean").changed) == {"df", "test_df", "train_df"}
    assert dict(p.step("evaluate").input_candidates) == {
        "hidden": ("clean", "prepare"),
        "X": ("train", "prepare"),
        "y": ("train", "prepare"),
    }

    res = run_notebook(nb, cache=False, track=False)
    assert res.status == "succeeded", res.record["error"]
    got = {k: v for k, v in res.record["metrics"].items()}
    assert got == expected
    # the change the analysis could not see was found at run time, and said once
    assert res.record["steps"]["clean"]["changed_at_run"] == ["hidden"]
    assert [s for s, r in res.record["steps"].items() if r.get("changed_at_run")] == ["clean"]

    # cached re-run: same results, the evaluate step's key follows the version it loads
    again = run_notebook(nb, track=False)
    assert again.status == "succeeded" and again.record["metrics"] == expected
    assert all(s["cached"] for s in again.record["steps"].values())


def test_changes_in_place_in_a_bundle_and_step_by_step(tmp_path):
    """The exported bundle, run whole and one step at a time as an orchestrator runs it, gives
    the same results: the step notebooks carry the versions and the runtime check."""
    import subprocess
    import sys
    from pathlib import Path

    cli = [str(Path(sys.executable).parent / "notebook-ops")]
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mutators.py").write_text(HELPER)
    nb = write_nb(tmp_path, "inplace.ipynb", cells(tmp_path / "lib"))
    subprocess.run(
        cli
        + [
            "export",
            str(nb),
            "-o",
            str(tmp_path / "dist"),
            "--no-tag",
            "--no-mlflow",
            "--allow-dirty",
            "--target",
            "none",
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    bundle = next((tmp_path / "dist").glob("*.tar.gz"))
    manifest = (next(p for p in (tmp_path / "dist").iterdir() if p.is_dir()) / "pipeline.yaml").read_text()
    assert "changed:" in manifest and "input_candidates:" in manifest

    ops = tmp_path / "ops"
    ops.mkdir()
    done = subprocess.run(
        cli + ["run", str(bundle), "--no-track", "--json"], capture_output=True, text=True, cwd=ops
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(done.stdout)
    assert record["metrics"]["b"] == 8.0 and record["metrics"]["history"] == 1
    assert record["metrics"]["x"] == 60 and record["metrics"]["flags"] == 2

    data = tmp_path / "shared-data"
    for step in ("prepare", "train", "clean", "evaluate"):
        one = subprocess.run(
            cli + ["run-step", str(bundle), step, "--data", str(data), "--quiet"],
            capture_output=True,
            text=True,
            cwd=ops,
        )
        assert one.returncode == 0, one.stdout + one.stderr
    metrics = {m["name"]: m["value"] for m in json.loads((data / "evaluate" / "_metrics.json").read_text())}
    assert metrics == {k: record["metrics"][k] for k in metrics} and metrics["flags"] == 2
    saved = json.loads((data / "clean" / "_outputs.json").read_text())["outputs"]
    assert saved["hidden"].get("changed_at_run") is True
