"""diff: what changed between two versions, as text and as data."""

from __future__ import annotations

import json
import subprocess
import sys

from bundlekit import SETTINGS, small_cells
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import diff_bundles, export_notebook
from notebook_ops.bundle.diff import render


def test_diff_reports_changed_step_parameters_and_requirements(small_notebook):
    dist = small_notebook.parent / "dist"
    v1 = export_notebook(small_notebook, out_dir=dist, track=False)
    cells = small_cells(
        c1="rows = 8  # how many rows\nlabel = 'demo'  # a label\nmode = 'x'",
        c2="import json\nimport yaml\nimport numpy",
        c5="text = yaml.safe_dump(data, sort_keys=True)\ncount = len(data)",
    )
    settings = json.loads(json.dumps(SETTINGS))
    settings["notebook_ops"]["steps"]["dump"]["retries"] = 3
    write_notebook(small_notebook, make_notebook(cells, settings))
    v2 = export_notebook(small_notebook, out_dir=dist, track=False)
    assert v2.version == 2
    d = diff_bundles(v1.folder, v2.archive)
    assert not d.steps_added and not d.steps_removed
    assert set(d.steps_changed) == {"make", "dump", "report"}  # setup changed in all
    code = d.steps_changed["dump"]["code"]
    assert "-text = yaml.safe_dump(data)\n" in code
    assert "+text = yaml.safe_dump(data, sort_keys=True)\n" in code
    assert d.steps_changed["dump"]["options"][0]["retries"] == 2
    assert d.steps_changed["dump"]["options"][1]["retries"] == 3
    assert d.parameters["rows"][0]["default"] == 5 and d.parameters["rows"][1]["default"] == 8
    assert d.parameters["mode"][0] is None
    assert "numpy" in d.requirements and d.requirements["numpy"][0] is None
    text = render(d)
    assert "step changed: dump" in text and "parameter added: mode" in text
    assert "parameter changed: rows: default 5 -> 8" in text
    assert "requirement added: numpy==" in text


def test_diff_of_a_bundle_with_itself_is_empty(small_notebook):
    v1 = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=False)
    d = diff_bundles(v1.folder, v1.archive)
    assert d.empty and "no differences" in render(d)


def test_diff_cli_added_step_and_exit_code(small_notebook):
    dist = small_notebook.parent / "dist"
    v1 = export_notebook(small_notebook, out_dir=dist, track=False)
    write_notebook(
        small_notebook, make_notebook(list(small_cells()) + [("print('bye')", ["step:extra"])], SETTINGS)
    )
    v2 = export_notebook(small_notebook, out_dir=dist, track=False)
    cli = [sys.executable, "-m", "notebook_ops", "diff", str(v1.folder), str(v2.folder)]
    out = subprocess.run(cli, capture_output=True, text=True)
    assert out.returncode == 0 and "step added: extra" in out.stdout
    out = subprocess.run(cli + ["--exit-code", "--json"], capture_output=True, text=True)
    assert out.returncode == 1 and json.loads(out.stdout)["steps_added"] == ["extra"]
