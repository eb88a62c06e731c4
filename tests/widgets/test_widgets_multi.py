"""The widgets panel of a pipeline across notebooks, opened on its entry notebook: every
notebook's steps in the grid, the one parameter set in the form, Run with real kernels."""

from __future__ import annotations

import json

from nbfactory import copy_example

from notebook_ops.widgets import panel

WAIT = 900
STEPS = ["ingest", "features_a", "features_b-square", "features_b-total", "fit", "report"]


def test_panel_of_the_entry_notebook_runs_the_whole_graph(tmp_path):
    copy_example("multi", tmp_path / "multi")
    entry = tmp_path / "multi" / "03_train.ipynb"
    p = panel(entry, store=f"sqlite:///{tmp_path}/s.db", run_options={"jobs": 2, "track": False})
    assert list(p.steps.rows) == STEPS
    assert set(p.form.widgets) == {"n_rows", "scale"}
    p.form.widgets["scale"].value = 3.0
    p.run_button.click()
    result = p.wait(WAIT)
    assert p.last_error is None, p.result.value
    rec = json.loads((result.run_dir / "run.json").read_text())
    assert rec["status"] == "succeeded", rec.get("error")
    assert rec["parameters"]["scale"] == 3.0
    for step in STEPS:
        assert (p.steps.rows[step].progress.value, p.steps.rows[step].progress.bar_style) == (2, "success")
