"""Step notebooks and parameters: structure, safety of injected values, no kernels except one
bare-papermill run of a step notebook (the contract a bundle relies on)."""

from __future__ import annotations

import json

import pytest

from conftest import write_nb
from notebook_ops.errors import ParameterError
from notebook_ops.model import build_pipeline, load_pipeline
from notebook_ops.model.parameters import parse_pairs, resolve_params
from notebook_ops.execution.stepnb import build_single_kernel_notebook, build_step_notebook, literal
from nbfactory import make_notebook

CELLS = [
    ("import math", ["setup"]),
    ("alpha = 0.5  # weight\nn = 3\nname = 'x'\nshape = (1, 2)\nopts = {'a': 1}", ["parameters"]),
    ("xs = list(range(n))\ndef sq(v):\n    return v * v", ["step:make"]),
    ("## Scale it", [], "markdown"),
    ("ys = [sq(x) * alpha for x in xs]\ntag = name + str(shape)", ["step:scale"]),
]


def test_step_notebook_cells_and_papermill_parameters():
    p = build_pipeline(make_notebook(CELLS))
    assert p.ok, p.problems
    nb = build_step_notebook(p, "scale")
    import nbformat

    nbformat.validate(nbformat.from_dict(nb))
    cells = nb["cells"]
    params = "".join(cells[0]["source"])
    assert cells[0]["metadata"]["tags"] == ["parameters"]
    assert "alpha = 0.5  # weight" in params and "_nbo_data_url" in params
    assert "_nbo_step = 'scale'" in params
    assert "hidden" not in params
    assert cells[1]["metadata"]["jupyter"]["source_hidden"] is True
    make = [c["cell_type"] for c in build_step_notebook(p, "make")["cells"]]
    assert make.count("markdown") == 1  # the step's markdown is kept
    src = ["".join(c["source"]) for c in cells]
    assert "import math" in src[2]
    assert any(
        "load_inputs({'xs': 'make', 'sq': 'make'})" in s or "load_inputs({'sq': 'make', 'xs': 'make'})" in s
        for s in src
    )
    assert "save_outputs(globals(), []" in src[-1]
    # ids are deterministic: the same pipeline gives the same bytes
    assert json.dumps(nb) == json.dumps(build_step_notebook(p, "scale"))
    # papermill infers every parameter (ours and the plumbing) without complaint
    import tempfile

    import papermill

    with tempfile.NamedTemporaryFile("w", suffix=".ipynb", delete=False) as f:
        json.dump(nb, f)
    names = set(papermill.inspect_notebook(f.name))
    assert {"alpha", "n", "_nbo_data_url", "_nbo_run_id", "_nbo_mode"} <= names
    single = build_single_kernel_notebook(p)
    enters = [c for c in single["cells"] if (c["metadata"].get("notebook_ops") or {}).get("enter_step")]
    assert [c["metadata"]["notebook_ops"]["enter_step"] for c in enters] == ["make", "scale"]


def test_literal_refuses_objects_and_writes_plain_values():
    assert literal({"a": [1, 2.5, None, True, "q'\""]}) == "{'a': [1, 2.5, None, True, 'q\\'\"']}"
    assert literal((1,)) == "(1,)"
    assert literal(float("nan")) == "float('nan')"
    with pytest.raises(ValueError):
        literal(object())


def test_parameters_convert_and_reject():
    p = build_pipeline(make_notebook(CELLS))
    vals = resolve_params(p, parse_pairs(["alpha=2", "n=7", "name=a=b", "shape=[3, 4]", 'opts={"k": [1]}']))
    assert vals == {"alpha": 2.0, "n": 7, "name": "a=b", "shape": [3, 4], "opts": {"k": [1]}}
    assert isinstance(vals["alpha"], float)
    with pytest.raises(ParameterError, match="unknown parameter 'nope'.*known: alpha, n, name"):
        resolve_params(p, {"nope": 1})
    with pytest.raises(ParameterError, match="unknown parameter"):
        resolve_params(p, {"x = 1; import os": 1})  # a name can never become code
    with pytest.raises(ParameterError, match="'n'.*not a valid int"):
        resolve_params(p, {"n": "3; import os"})
    with pytest.raises(ParameterError, match="must be int"):
        resolve_params(p, {"n": 2.5})
    with pytest.raises(ParameterError, match="not supported"):
        resolve_params(p, {"opts": {"k": object()}})
    with pytest.raises(ParameterError, match="NAME=VALUE"):
        parse_pairs(["novalue"])


def test_bare_papermill_runs_one_step(tmp_path):
    """``papermill steps/x.ipynb out.ipynb -p _nbo_data_url DIR`` alone runs a step, and a value
    papermill injects that has the wrong type is refused by the plumbing cell."""
    import papermill

    path = write_nb(tmp_path, "nb.ipynb", CELLS)
    p = load_pipeline(path)
    (tmp_path / "make.ipynb").write_text(json.dumps(build_step_notebook(p, "make")))
    data = tmp_path / "data"
    papermill.execute_notebook(
        str(tmp_path / "make.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"_nbo_data_url": str(data), "n": 4},
        progress_bar=False,
        kernel_name="python3",
    )
    manifest = json.loads((data / "make" / "_outputs.json").read_text())
    assert set(manifest["outputs"]) == {"xs", "sq"}
    from notebook_ops.kernel_side.data_store import DataStore

    assert DataStore(str(data)).load_value("make", "xs") == [0, 1, 2, 3]
    with pytest.raises(papermill.PapermillExecutionError, match="parameter 'n': 'four' is not a valid int"):
        papermill.execute_notebook(
            str(tmp_path / "make.ipynb"),
            str(tmp_path / "out2.ipynb"),
            parameters={"_nbo_data_url": str(data), "n": "four"},
            progress_bar=False,
            kernel_name="python3",
        )
