"""A folder is a pipeline: its notebooks in the order they hand each other files, databases and
names, ties by the numbers their names start with; checkpoints, hidden files and notebooks
``%run`` by another are not steps; ``--glob`` chooses; the order is shown and written out as a
pipeline file (atomically, never over a file without --force)."""

from __future__ import annotations


import pytest
import yaml
from folderkit import numbered_folder

from nbfactory import make_notebook, write_notebook
from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline
from notebook_ops.model.folder import folder_notebooks, infer_order
from clikit import run_cli


def test_order_from_what_they_hand_each_other(tmp_path):
    folder = numbered_folder(tmp_path / "proj")
    order, gets, helpers = infer_order(folder_notebooks(folder))
    # 5-settings writes settings.json, which 1-load reads: it runs first despite its number
    assert [p.name for p in order] == [
        "0-simulate.ipynb",
        "5-settings.ipynb",
        "1-load.ipynb",
        "2-eda.ipynb",
        "10-report.ipynb",
    ]
    assert [p.name for p in helpers] == ["common.ipynb"]  # %run by 10-report: runs inside it
    assert ("file data/store.db") in [w for _, w in gets[folder.resolve() / "2-eda.ipynb"]]
    p = load_pipeline(folder)
    assert p.ok, p.errors
    assert p.name == "proj"
    assert p.step_names == ["simulate", "settings", "load", "eda", "report"]
    assert p.step("load").after == ("settings",)
    assert dict(p.step("load").files_in) == {"settings.json": "settings", "data/raw.csv": "simulate"}
    assert dict(p.step("eda").files_in) == {"data/store.db": "load"}  # the SQLite file, handed on
    assert dict(p.step("report").files_in) == {"summary.csv": "eda"}


def test_numbers_break_ties_numerically(tmp_path):
    for name in ["10-x.ipynb", "2-y.ipynb", "b.ipynb", "1-z.ipynb", "a.ipynb"]:
        write_notebook(tmp_path / name, make_notebook(["print(1)"]))
    order, _, _ = infer_order(folder_notebooks(tmp_path))
    assert [p.name for p in order] == ["1-z.ipynb", "2-y.ipynb", "10-x.ipynb", "a.ipynb", "b.ipynb"]


def test_glob_chooses_and_nothing_matching_is_one_error(tmp_path):
    folder = numbered_folder(tmp_path / "proj")
    p = load_pipeline(folder / "[0-2]-*.ipynb")
    assert p.step_names == ["simulate", "load", "eda"]
    assert any(pr.code == "missing-file" and "settings.json" in pr.message for pr in p.problems)
    with pytest.raises(NotebookReadError, match=r"no notebooks match \*\.py"):
        load_pipeline(folder / "*.py")
    r = run_cli("inspect", str(folder), "--glob", "[0-1]-*.ipynb", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "  1. 0-simulate.ipynb\n  2. 1-load.ipynb  (file data/raw.csv from 0-simulate.ipynb)" in r.stdout


def test_inspect_shows_order_and_writes_a_pipeline_file(tmp_path):
    folder = numbered_folder(tmp_path / "proj")
    r = run_cli("inspect", "proj/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Order inferred from the folder" in r.stdout
    assert (
        "  3. 1-load.ipynb  (file data/raw.csv from 0-simulate.ipynb; "
        "file settings.json from 5-settings.ipynb)" in r.stdout
    )
    assert "common.ipynb  (%run by another notebook: runs inside it)" in r.stdout
    before = sorted(p.name for p in folder.iterdir())
    r = run_cli("inspect", "proj", "--write-pipeline", "proj/pipeline.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = yaml.safe_load((folder / "pipeline.yaml").read_text())
    assert doc["name"] == "proj"
    assert doc["notebooks"][:3] == [
        {"path": "0-simulate.ipynb"},
        {"path": "5-settings.ipynb", "after": ["0-simulate"]},
        {"path": "1-load.ipynb", "after": ["5-settings"]},
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(before + ["pipeline.yaml"])
    from_file = load_pipeline(folder / "pipeline.yaml")
    assert from_file.ok and [s.notebook for s in from_file.steps] == [
        s.notebook for s in load_pipeline(folder).steps
    ]
    # never over a file without --force; a file elsewhere gets paths relative to it
    r = run_cli("inspect", "proj", "--write-pipeline", "proj/pipeline.yaml", cwd=tmp_path)
    assert r.returncode != 0 and "pass --force" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("inspect", "proj", "--write-pipeline", "flow.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load((tmp_path / "flow.yaml").read_text())["notebooks"][1] == {
        "path": "proj/5-settings.ipynb",
        "after": ["proj/0-simulate"],
    }
    assert load_pipeline(tmp_path / "flow.yaml").ok
    r = run_cli("inspect", "proj/1-load.ipynb", "--write-pipeline", "x.yaml", cwd=tmp_path)
    assert r.returncode != 0 and "take a folder of notebooks" in r.stderr


def test_schedule_takes_a_folder_and_a_ploomber_file(tmp_path):
    from ploomberkit import ploomber_project

    numbered_folder(tmp_path / "proj")
    ploomber_project(tmp_path / "ml")
    r = run_cli(
        "schedule", "add", "proj", "--cron", "0 6 * * *", "--db", str(tmp_path / "s.db"), cwd=tmp_path
    )
    assert r.returncode == 0 and "-> " + str((tmp_path / "proj").resolve()) in r.stdout, r.stderr
    r = run_cli(
        "schedule",
        "add",
        "ml/pipeline.yaml",
        "--cron",
        "0 7 * * *",
        "--db",
        str(tmp_path / "s.db"),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
