"""``notebook-ops run-step``: one step of a real bundle in a real kernel, data through the store."""

from __future__ import annotations

import json
import subprocess

import pytest

from targetkit import NOTEBOOK_OPS
from nbfactory import make_notebook, write_notebook

CELLS = [
    ("rows = 5  # how many rows\nscale = 2.0\nlabel = 'demo'", ["parameters"]),
    ("import notebook_ops as nbo", ["setup"]),
    ("data = [i * scale for i in range(rows)]", ["step:make"]),
    ("total = sum(data)\nnbo.log_metric('total', total)\nprint('total is', total)", ["step:add"]),
    (
        "if label == 'boom':\n    raise ValueError('label says boom')\nshout = label.upper()",
        ["step:shout", "after:make"],
    ),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from notebook_ops.bundle import export_notebook

    folder = tmp_path_factory.mktemp("rs")
    nb = write_notebook(folder / "small.ipynb", make_notebook(CELLS))
    r = export_notebook(
        nb, out_dir=folder / "dist", track=False, tag=False, allow_dirty=True, target_names=[]
    )
    return r.folder


def cli(*args, cwd=None):
    return subprocess.run(
        [NOTEBOOK_OPS, "run-step", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_steps_share_data_through_the_store(bundle, tmp_path):
    store = tmp_path / "store"
    first = cli(bundle, "make", "--data", store, "-p", "rows=4", "--param-value", "scale", "3", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"outputs in {store}/make/" in first.stdout
    second = cli(bundle, "add", "--data", store, "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    result = json.loads(second.stdout)
    assert result["ok"] and result["metrics"] == {"total": 18.0}  # 3 * (0+1+2+3)
    outputs = json.loads((store / "make" / "_outputs.json").read_text())
    assert list(outputs["outputs"]) == ["data"]
    executed = json.loads((store / "add" / "_notebook.ipynb").read_text())
    printed = [o.get("text", "") for c in executed["cells"] for o in c.get("outputs", [])]
    assert any("total is 18.0" in "".join(t) for t in printed)


def test_artifact_staging_for_engines_that_move_folders(bundle, tmp_path):
    out = tmp_path / "make-artifact"
    made = cli(bundle, "make", "--data", tmp_path / "a", "--stage-out", out, "-q")
    assert made.returncode == 0, made.stderr
    assert (out / "_outputs.json").is_file()
    add = cli(
        bundle,
        "add",
        "--data",
        tmp_path / "b",
        "--stage-in",
        "make",
        out,
        "--output-notebook",
        tmp_path / "add.ipynb",
        "-q",
    )
    assert add.returncode == 0, add.stderr
    assert "metrics: total=20.0" in add.stdout
    assert json.loads((tmp_path / "add.ipynb").read_text())["nbformat"] == 4


def test_a_failing_step_exits_1_and_keeps_its_executed_notebook(bundle, tmp_path):
    store = tmp_path / "store"
    assert cli(bundle, "make", "--data", store, "-q").returncode == 0
    failed = cli(bundle, "shout", "--data", store, "-p", "label=boom", "-q")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.startswith("error: cell 5: step shout: step failed: ValueError: label says boom")
    assert len(failed.stderr.strip().splitlines()) == 1
    assert (store / "shout" / "_notebook.ipynb").is_file()
    assert not (store / "shout" / "_outputs.json").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope", "--data", "{store}"], "the bundle has no step 'nope' (steps: make, add, shout)"),
        (["add", "--data", "{store}"], "the outputs of step 'make' are not in the data store"),
        (["make", "--data", "{store}", "-p", "rows=many"], "parameter 'rows': 'many' is not a valid int"),
        (["make", "--data", "{store}", "-p", "colour=red"], "unknown parameter 'colour'"),
        (["make", "--data", "{store}", "-p", "rows"], "expected NAME=VALUE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(bundle, tmp_path, args, message):
    done = cli(bundle, *[a.format(store=tmp_path / "empty") for a in args])
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_tampered_bundle_is_refused(bundle, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    nb = copy / "steps" / "make.ipynb"
    nb.write_text(nb.read_text().replace("range(rows)", "range(rows + 1)"))
    done = cli(copy, "make", "--data", tmp_path / "s")
    assert done.returncode != 0 and "make.ipynb" in done.stderr and "Traceback" not in done.stderr
