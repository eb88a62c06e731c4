"""The CLI as a user runs it: a subprocess, exit codes, one-line errors, files left untouched."""

import json
import shutil
import subprocess
import sys

import pytest

from nbfactory import CORPUS, EXAMPLES


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "notebook_ops", *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


def test_inspect_human_and_json():
    r = run("inspect", EXAMPLES / "churn.ipynb")
    assert r.returncode == 0, r.stderr
    assert "train_linear" in r.stdout and "X_train, y_train (from features)" in r.stdout
    r = run("inspect", EXAMPLES / "churn.ipynb", "--json")
    data = json.loads(r.stdout)
    assert set(data) >= {"name", "parameters", "steps", "problems"}
    assert data["parameters"][0] == {
        "name": "n_customers",
        "type": "int",
        "default": 2000,
        "help": "how many synthetic customers to generate",
        "secret": False,
    }
    step = data["steps"][2]
    assert {"name", "after", "cells", "inputs", "outputs", "options"} <= set(step)
    assert step["name"] == "train_linear" and step["after"] == ["features"]


def test_lint_exit_codes_and_line_format():
    clean = run("lint", EXAMPLES / "churn.ipynb")
    assert clean.returncode == 0 and clean.stdout == ""
    bad = run("lint", CORPUS / "hidden_state.ipynb", EXAMPLES / "churn.ipynb")
    assert bad.returncode == 1
    [line] = bad.stdout.splitlines()
    assert line.startswith(
        f"{CORPUS / 'hidden_state.ipynb'}:cell 3: step three: error:".replace(":cell", ": cell")
    )  # JupyterLab's number of the cell at index 2
    assert line.endswith("(add the tag after:two to cell 3)")


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "not a Jupyter notebook"),
        ('{"nbformat": 9, "cells": []}', "unsupported nbformat version 9"),
    ],
)
def test_unreadable_input_one_line_exit_2(tmp_path, content, fragment):
    f = tmp_path / "bad.ipynb"
    f.write_text(content)
    for cmd in ("inspect", "lint"):
        r = run(cmd, f)
        assert r.returncode == 2
        assert fragment in r.stderr and str(f) in r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert f.read_text() == content


def test_missing_file_and_nbformat3(tmp_path):
    r = run("inspect", tmp_path / "nope.ipynb")
    assert r.returncode == 2 and "no such file" in r.stderr
    nb3 = tmp_path / "old.ipynb"
    shutil.copy(CORPUS / "nbformat3.ipynb", nb3)
    before = nb3.read_bytes()
    r = run("lint", nb3)
    assert r.returncode == 0 and "nbformat 3 upgraded to 4" in r.stdout
    assert nb3.read_bytes() == before


def test_tag_edits_only_tags_and_round_trips(tmp_path):
    nb = tmp_path / "churn.ipynb"
    shutil.copy(EXAMPLES / "churn.ipynb", nb)
    original = nb.read_bytes()
    # --cell is JupyterLab's number: cell 9 is the cell at index 8
    r = run("tag", nb, "--cell", 9, "--step", "train_tree", "--after", "load")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{nb}: cell 9: tags now step:train_tree, after:load\n"
    assert json.loads(nb.read_text())["cells"][8]["metadata"]["tags"] == ["step:train_tree", "after:load"]
    assert run("lint", nb).returncode == 1  # now reads X_train from a non-upstream step
    assert run("tag", nb, "--cell", 9, "--step", "train_tree", "--after", "features").returncode == 0
    assert nb.read_bytes() == original  # byte-identical after the round trip
    assert run("tag", nb, "--cell", 5, "--clear").returncode == 0
    assert "tags" not in json.loads(nb.read_text())["cells"][4]["metadata"]
    assert run("tag", nb, "--cell", 5, "--skip").returncode == 0
    assert nb.read_bytes() == original


def test_tag_bad_input_leaves_file_untouched(tmp_path):
    nb = tmp_path / "churn.ipynb"
    shutil.copy(EXAMPLES / "churn.ipynb", nb)
    original = nb.read_bytes()
    for args, fragment in [
        (("--cell", 99, "--skip"), "there is no cell 99; its cells are numbered 1 to 10"),
        (("--cell", 0, "--skip"), "there is no cell 0; its cells are numbered 1 to 10"),
        (("--cell", 11, "--skip"), "there is no cell 11"),
        (("--cell", 1, "--step", "Bad Name"), "not valid"),
        (("--cell", 1), "choose exactly one"),
        (("--cell", 1, "--skip", "--step", "x"), "choose exactly one"),
    ]:
        r = run("tag", nb, *args)
        assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert nb.read_bytes() == original
    assert list(tmp_path.iterdir()) == [nb]  # no temporary files left behind


def test_tag_help_says_the_cell_number_is_jupyterlabs():
    r = run("tag", "--help")
    assert r.returncode == 0 and "as JupyterLab shows it" in r.stdout and "from 1" in r.stdout


def test_tag_the_last_cell_by_its_jupyterlab_number(tmp_path):
    nb = tmp_path / "churn.ipynb"
    shutil.copy(EXAMPLES / "churn.ipynb", nb)
    cells = json.loads(nb.read_text())["cells"]
    assert run("tag", nb, "--cell", len(cells), "--skip").returncode == 0
    after = json.loads(nb.read_text())["cells"]
    assert after[-1]["metadata"]["tags"] == ["skip"] and after[:-1] == cells[:-1]


def test_inspect_numbers_cells_as_jupyterlab_does():
    out = run("inspect", EXAMPLES / "churn.ipynb").stdout
    # load starts at index 3 (cell 4), its markdown title at index 0 joins it: cells 1, 4
    assert "load" in out and "cells 1, 4\n" in out and "setup cells 3 run" in out
    assert "Parameters (cell 2)" in out


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0 and "inspect" in r.stdout and "lint" in r.stdout
