"""A pipeline across notebooks exported as a bundle: every notebook's step notebooks, the
manifest naming each step's source notebook, the bundle run from a folder holding only the
archive (real kernels); an Elyra pipeline exported and run the same way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from bundlekit import commit_all, init_repo
from elyrakit import elyra_project
from nbfactory import copy_example

from notebook_ops.bundle import export_notebook
from notebook_ops.execution.run_service import run as run_target


def test_multi_notebook_bundle_runs_from_the_archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the run folder goes beside the caller, never into the checkout
    project = tmp_path / "multi"
    copy_example("multi", project)
    init_repo(project)
    commit_all(project)
    r = export_notebook(project / "03_train.ipynb", out_dir=tmp_path / "dist", track=False, tag=False)
    m = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    assert {s["name"]: s["source"] for s in m["steps"]} == {
        "ingest": "01_ingest.ipynb",
        "features_a": "02_features_a.ipynb",
        "features_b-square": "02_features_b.ipynb",
        "features_b-total": "02_features_b.ipynb",
        "fit": "03_train.ipynb",
        "report": "03_train.ipynb",
    }
    square = json.loads((r.folder / "steps" / "features_b-square.ipynb").read_text())
    assert "squares = [r * r for r in rows]" in "".join("".join(c["source"]) for c in square["cells"])

    ops = tmp_path / "ops"
    ops.mkdir()
    shutil.copy2(r.archive, ops / r.archive.name)
    result = run_target(ops / r.archive.name, params={"n_rows": "9"}, track=False, jobs=2)
    assert result.ok, result.record["error"]
    assert result.record["steps"]["report"]["status"] == "succeeded"


def test_elyra_bundle_runs_from_the_archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the run folder goes beside the caller, never into the checkout
    project = tmp_path / "elyra"
    project.mkdir()
    path = elyra_project(project)
    init_repo(project)
    commit_all(project)
    r = export_notebook(path, out_dir=tmp_path / "dist", track=False, tag=False)
    m = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    steps = {s["name"]: s for s in m["steps"]}
    assert steps["branch_a"]["source"] == "branch_a.py"
    assert steps["load"]["resources"]["cpu"] == 2 and steps["load"]["options"]["image"] == "python:3.11-slim"
    assert steps["join"]["files_in"] == {"raw.csv": "load", "a.txt": "branch_a", "b.txt": "branch_b"}
    ops = tmp_path / "ops"
    ops.mkdir()
    shutil.copy2(r.archive, ops / r.archive.name)
    result = run_target(ops / r.archive.name, params={"FACTOR": "5"}, track=False, jobs=2)
    assert result.ok, result.record["error"]
    data = result.record["options"]["data_url"]
    handed = json.loads(Path(data, "join", "_files.json").read_text())
    assert set(handed) == {"result.txt"}  # the join's output, handed on by digest


def test_diff_shows_changes_per_notebook(tmp_path):
    from notebook_ops.bundle.diff import diff_bundles, render

    project = tmp_path / "multi"
    copy_example("multi", project)
    init_repo(project)
    commit_all(project)
    first = export_notebook(
        project / "03_train.ipynb", out_dir=tmp_path / "dist", track=False, tag=False, target_names=[]
    )
    nb = json.loads((project / "02_features_b.ipynb").read_text())
    nb["cells"][2]["source"] = "total_sq = sum(squares) + 1"
    (project / "02_features_b.ipynb").write_text(json.dumps(nb))
    commit_all(project, "features b changed")
    second = export_notebook(
        project / "03_train.ipynb", out_dir=tmp_path / "dist", track=False, tag=False, target_names=[]
    )
    d = diff_bundles(first.folder, second.folder)
    assert d.notebooks_changed == ["02_features_b.ipynb"]
    assert list(d.steps_changed) == ["features_b-total"]
    text = render(d)
    assert "notebooks changed: 02_features_b.ipynb" in text
    assert "step changed: features_b-total (02_features_b.ipynb)" in text
    assert "+total_sq = sum(squares) + 1" in text
