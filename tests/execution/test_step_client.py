"""A step notebook's leading plumbing cells in one execute request (execution/step_client.py), with
real kernels: the parameters' defaults, papermill's injected values and the plumbing call share
one execution count, the injected value wins, a bad value still fails on the plumbing cell with
its one-line error, and a user's own notebook runs cell by cell as papermill runs it."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

from nbfactory import make_notebook, write_notebook
from notebook_ops.execution import run_notebook
from notebook_ops.execution.live_notebook import register
from notebook_ops.execution.stepnb import build_step_notebook
from notebook_ops.model import load_pipeline
from notebook_ops.execution.step_client import leading_plumbing

pytestmark = pytest.mark.timeout(600)

PIPELINE = [
    ("alpha = 2", ["parameters"]),
    ("base = alpha * 10", ["step:make"]),
    ("print('doubled', base * 2)\ndoubled = base * 2", ["step:double"]),
]


def _step_notebook(run_dir, step: str) -> dict:
    return json.loads((run_dir / "steps" / f"{step}.ipynb").read_text())


def test_the_leading_plumbing_is_one_request_and_the_rest_is_unchanged(tmp_path):
    nb = write_notebook(tmp_path / "p.ipynb", make_notebook(PIPELINE))
    result = run_notebook(nb, params={"alpha": "3"}, track=False, cache=False)
    assert result.status == "succeeded", result.record["error"]

    step = _step_notebook(result.run_dir, "double")
    code = [c for c in step["cells"] if c["cell_type"] == "code"]
    batch = leading_plumbing(step["cells"])
    assert batch == [0, 1, 2]
    assert [c["metadata"]["tags"][0] for c in code[:3]] == [
        "parameters",
        "injected-parameters",
        "nbo-plumbing",
    ]
    assert {c["execution_count"] for c in code[:3]} == {1}  # one request for the three
    counts = [c["execution_count"] for c in code]
    assert counts == [1, 1, 1, *range(2, len(code) - 1)], counts
    # each cell keeps its own source (not the batch's), and the step's output is where it was
    assert "".join(code[0]["source"]).startswith("alpha = 2")
    assert "alpha = 3" in "".join(code[1]["source"]) and "_nbo_rt" not in "".join(code[1]["source"])
    assert "".join(code[2]["source"]).startswith("# notebook-ops plumbing")
    printed = [o["text"] for c in code for o in c["outputs"] if o.get("output_type") == "stream"]
    assert ["".join(t) for t in printed] == ["doubled 60\n"]  # the injected 3, not the default 2
    assert all(c["metadata"]["papermill"]["status"] == "completed" for c in step["cells"])
    assert step["metadata"]["language_info"]["name"] == "python"
    assert step["metadata"]["language_info"]["version"]  # the kernel's, remembered per process


def test_a_bad_value_fails_on_the_plumbing_cell_with_its_error(tmp_path):
    """``run`` checks values before any kernel starts; a bundle's step notebook run by papermill
    alone (an orchestrator's own call) meets the plumbing's check, on the plumbing cell."""
    nb = write_notebook(tmp_path / "p.ipynb", make_notebook(PIPELINE))
    src = write_notebook(tmp_path / "make.ipynb", build_step_notebook(load_pipeline(nb), "make"))
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match="alpha"):
        papermill.execute_notebook(
            str(src), str(out), parameters={"alpha": "x"}, progress_bar=False, engine_name=register()
        )
    ran = json.loads(out.read_text())
    code = [
        c
        for c in ran["cells"]
        if c["cell_type"] == "code" and "papermill-error-cell-tag" not in c["metadata"].get("tags", [])
    ]
    failed = [i for i, c in enumerate(code) if any(o["output_type"] == "error" for o in c["outputs"])]
    assert failed == [2] and "nbo-plumbing" in code[2]["metadata"]["tags"]
    assert [c["execution_count"] for c in code[:3]] == [1, 1, 1]
    assert all(c["execution_count"] is None for c in code[3:])  # nothing after it ran


def test_a_users_own_notebook_runs_cell_by_cell(tmp_path):
    user = make_notebook([("alpha = 2", ["parameters"]), "beta = alpha + 1", "print(beta)"])
    src = write_notebook(tmp_path / "user.ipynb", user)
    assert leading_plumbing(user["cells"]) == []  # its parameters cell is not notebook-ops'
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(src), str(out), parameters={"alpha": 5}, progress_bar=False, engine_name=register()
    )
    ran = nbformat.read(out, as_version=4)
    assert [c.execution_count for c in ran.cells] == [1, 2, 3, 4]  # the injected cell included
    assert "".join(ran.cells[-1].outputs[0]["text"]) == "6\n"
