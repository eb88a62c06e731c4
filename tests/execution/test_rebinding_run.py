"""A step that rebinds a parameter or a setup name, with real kernels: the pipeline gives what
the notebook gives top to bottom (papermill), with the default parameters and with -p, and so
does its exported bundle. The later step's kernel loads the rebound value after the injected
parameters and the setup cells, so the input wins over both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
import yaml

from conftest import sha, write_nb
from notebook_ops.execution import run_notebook
from notebook_ops.execution.stepnb import PLUMBING_TAG, build_step_notebook
from notebook_ops.model.build import load_pipeline

CELLS = [
    ("n = 3  # a parameter the first step rebinds\nscale = 5", ["parameters"]),
    ("import json\nimport notebook_ops as nbo\ndata = [1, None, 2]", ["setup"]),
    # rebinds n and data for the steps after; rebinds scale for its own use only
    ("n = n + 1\ndata = [x for x in data if x is not None]\nscale = scale * 100\nscaled = scale", ["step:a"]),
    (
        "result = {'n': n, 'rows': len(data), 'scaled': scaled}\n"
        "for k, v in result.items():\n    nbo.log_metric(k, v)\n"
        "print(json.dumps(result, sort_keys=True))",
        ["step:b"],
    ),
]


def top_to_bottom(nb: Path, out: Path, params: dict) -> dict:
    """What b prints when papermill runs the notebook in one kernel, as the data scientist does."""
    done = papermill.execute_notebook(
        str(nb), str(out), parameters=params, kernel_name="python3", progress_bar=False, cwd=str(nb.parent)
    )
    text = "".join(o.get("text", "") for o in done["cells"][-1]["outputs"])
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("params", [{}, {"n": 10, "scale": 2}])
def test_a_rebound_parameter_and_setup_name_give_top_to_bottom_results(tmp_path, params):
    nb = write_nb(tmp_path, "rebind.ipynb", CELLS)
    before = sha(nb)
    expected = top_to_bottom(nb, tmp_path / "out.ipynb", params)
    n = params.get("n", 3)
    assert expected == {"n": n + 1, "rows": 2, "scaled": params.get("scale", 5) * 100}

    p = load_pipeline(nb)
    assert dict(p.step("b").input_sources) == {"data": "a", "n": "a", "scaled": "a"}
    assert p.step("a").outputs == ("data", "n", "scaled")  # not scale: nobody after a reads it

    res = run_notebook(nb, params=params, cache=False, track=False)
    assert res.status == "succeeded", res.record["error"]
    assert res.record["metrics"] == expected
    assert sha(nb) == before


def test_the_step_notebook_loads_inputs_after_the_parameters_and_the_setup(tmp_path):
    nb = write_nb(tmp_path, "rebind.ipynb", CELLS)
    cells = build_step_notebook(load_pipeline(nb), "b")["cells"]
    kinds = []
    for c in cells:
        tags = c["metadata"].get("tags", [])
        source = "".join(c["source"])
        if "parameters" in tags:
            kinds.append("parameters")
        elif "setup" in tags:
            kinds.append("setup")
        elif PLUMBING_TAG in tags and "load_inputs" in source:
            kinds.append("load")
        elif "result = " in source:
            kinds.append("step")
    assert kinds == ["parameters", "setup", "load", "step"]


def test_the_bundle_hands_the_rebound_parameter_on(tmp_path):
    """Exported, the manifest lists the new input, and the bundle run with -p gives what
    papermill gives top to bottom."""
    cli = [str(Path(sys.executable).parent / "notebook-ops")]
    nb = write_nb(tmp_path, "rebind.ipynb", CELLS)
    subprocess.run(
        cli
        + ["export", str(nb), "-o", str(tmp_path / "dist"), "--no-tag", "--no-mlflow", "--allow-dirty"]
        + ["--target", "none"],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    folder = next(p for p in (tmp_path / "dist").iterdir() if p.is_dir())
    manifest = yaml.safe_load((folder / "pipeline.yaml").read_text())
    steps = {s["name"]: s for s in manifest["steps"]}
    assert "n" in steps["a"]["outputs"] and "n" in steps["b"]["inputs"]

    expected = top_to_bottom(nb, tmp_path / "out.ipynb", {"n": 7})
    ops = tmp_path / "ops"
    ops.mkdir()
    bundle = next((tmp_path / "dist").glob("*.tar.gz"))
    done = subprocess.run(
        cli + ["run", str(bundle), "-p", "n=7", "--no-track", "--json"],
        capture_output=True,
        text=True,
        cwd=ops,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["metrics"] == expected == {"n": 8, "rows": 2, "scaled": 500}
