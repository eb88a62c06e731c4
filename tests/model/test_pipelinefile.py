"""A pipeline file (YAML): notebooks and their order in one place; a clear error per field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nbfactory import copy_example, make_notebook

from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline
from clikit import run_cli


def _nb(path, cells):
    path.write_text(json.dumps(make_notebook(cells)))
    return path


def test_example_pipeline_file(tmp_path):
    copy_example("multi", tmp_path / "multi")
    p = load_pipeline(tmp_path / "multi" / "pipeline.yaml")
    assert p.ok, p.errors
    assert p.name == "multi-file" and p.settings == {"owner": "data-team"}
    assert p.step_names == [
        "ingest",
        "features_a",
        "features_b-square",
        "features_b-total",
        "train-fit",
        "train-report",
    ]
    assert set(p.step("train-fit").after) == {"features_a", "features_b-total"}
    assert p.step("train-report").notebook == "03_train.ipynb"


def test_order_from_the_file_alone_runs(tmp_path):
    _nb(tmp_path / "a.ipynb", [("base = 20", ["parameters"]), ("x = base + 1", [])])
    sub = tmp_path / "nbs"
    sub.mkdir()
    _nb(sub / "b.ipynb", [("y = x * 2\nprint('y', y)", ["step:double"])])
    f = tmp_path / "flow.yml"
    f.write_text("notebooks:\n  - path: a.ipynb\n  - path: nbs/b.ipynb\n    after: ['a']\n")
    p = load_pipeline(f)
    assert p.ok, p.errors
    assert p.step_names == ["a", "b-double"] and p.step("b-double").after == ("a",)
    assert dict(p.step("b-double").input_sources) == {"x": "a"}
    r = run_cli("run", f, "--no-track", "-q", "-p", "base=4", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["status"] == "succeeded" and record["pipeline"] == "flow"
    out = json.loads(Path(record["steps"]["b-double"]["notebook"]).read_text())
    assert "y 10" in "".join("".join(o.get("text", "")) for c in out["cells"] for o in c.get("outputs", []))


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "name: x\n",
            "not a notebook-ops pipeline file (needs 'notebooks:') nor a Ploomber pipeline (needs 'tasks:')",
        ),
        ("notebooks: []\n", "pipeline file: notebooks must contain at least 1 items"),
        ("notebooks:\n  - path: a.py\n", "pipeline file: notebooks[0].path must match pattern"),
        ("notebooks:\n  - path: a.ipynb\n    after: a\n", "pipeline file: notebooks[0].after must be array"),
        (
            "notebooks:\n  - path: a.ipynb\n    needs: [b]\n",
            "pipeline file: notebooks[0] must not contain {'needs'} properties",
        ),
        (
            "notebooks:\n  - path: missing.ipynb\n",
            "pipeline file: notebooks[0].path: missing.ipynb does not exist",
        ),
        ("notebooks: [\n", "not valid YAML"),
    ],
)
def test_bad_file_one_error_naming_the_field(tmp_path, text, message):
    _nb(tmp_path / "a.ipynb", [("x = 1", [])])
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(NotebookReadError) as err:
        load_pipeline(f)
    assert err.value.message.startswith(message), err.value.message
    r = run_cli("run", f, "--no-track")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / ".notebook_ops").exists()


def test_settings_checked_by_the_notebook_schema(tmp_path):
    _nb(tmp_path / "a.ipynb", [("x = 1", [])])
    f = tmp_path / "p.yaml"
    f.write_text("notebooks: [{path: a.ipynb}]\nsettings: {colour: red}\n")
    assert [e.code for e in load_pipeline(f).errors] == ["invalid-settings"]


def test_schedule_add_a_pipeline_file(tmp_path):
    copy_example("multi", tmp_path / "multi")
    r = run_cli(
        "schedule", "add", "multi/pipeline.yaml", "--cron", "0 3 * * *", "-p", "n_rows=5", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "schedule",
        "add",
        "multi/pipeline.yaml",
        "--cron",
        "0 4 * * *",
        "-p",
        "n_rows=x",
        "--name",
        "bad",
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "n_rows" in r.stderr  # checked against the one parameter set
    r = run_cli("schedule", "list", cwd=tmp_path)
    assert "pipeline.yaml" in r.stdout and "bad" not in r.stdout
