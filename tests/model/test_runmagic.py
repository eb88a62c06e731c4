"""``%run NB.ipynb`` / ``%run script.py``: the cell runs its target in the notebook's namespace,
so the target's names, imports and data files are the cell's, and the target is shipped."""

from __future__ import annotations

import json

import pytest

from nbfactory import make_notebook, write_notebook
from notebook_ops.model import load_pipeline
from notebook_ops.model.runmagic import target_of


@pytest.mark.parametrize(
    "arg, target",
    [
        ("prep.py", "prep.py"),
        ("-i prep.py a b", "prep.py"),
        ("-e -t -N 3 prep.py --flag", "prep.py"),
        ("-N3 prep.py", "prep.py"),
        ('"my scripts/prep.py" 1', "my scripts/prep.py"),
        ("'lib/Setup.ipynb'", "lib/Setup.ipynb"),
        ("-m pkg.tool", None),
        ("$script", None),
        ("{path}", None),
        ("-i", None),
    ],
)
def test_run_arguments_are_parsed_like_ipython(arg, target):
    assert target_of(arg) == target


def _project(tmp_path):
    (tmp_path / ".git").mkdir(parents=True)  # the project's top folder
    nbdir = tmp_path / "notebooks"
    (nbdir / "lib").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.csv").write_text("p\n1\n")
    (nbdir / "prep.py").write_text(
        "import pandas as pd\nfrom helpers2 import clean\n\n"
        "prices = clean(pd.read_csv('../data/prices.csv'))\n"
        "THRESHOLD = limit * 2\n"
    )
    (nbdir / "helpers2.py").write_text("def clean(df):\n    return df.dropna()\n")
    setup_nb = make_notebook(
        [("import yaml\nconfig = {'k': 1}", []), ("%run lib/inner.py", []), ("%%bash\necho hi", [])]
    )
    (nbdir / "lib" / "Setup.ipynb").write_text(json.dumps(setup_nb))
    (nbdir / "lib" / "inner.py").write_text("inner_value = 3\n")
    return nbdir


def test_run_targets_define_names_bring_imports_and_files(tmp_path):
    nbdir = _project(tmp_path)
    nb = write_notebook(
        nbdir / "main.ipynb",
        make_notebook(
            [
                ("limit = 5", ["parameters"]),
                ("%run -i prep.py", ["step:load"]),
                ("%run 'lib/Setup.ipynb'", ["step:configure"]),
                ("total = len(prices) + THRESHOLD + config['k'] + inner_value", ["step:use"]),
            ]
        ),
    )
    p = load_pipeline(nb)
    assert not [x for x in p.problems if x.severity != "info"], p.problems
    load = p.step("load")
    assert set(load.outputs) == {"prices", "THRESHOLD"}  # defined by the %run cell
    assert load.parameters_read == ("limit",)  # the script read it from the notebook
    assert set(p.step("configure").outputs) == {"config", "inner_value"}
    assert set(p.step("use").inputs) == {"prices", "THRESHOLD", "config", "inner_value"}
    # the target and what it imports locally are shipped; its data file is an asset
    assert load.modules == ("notebooks/helpers2.py", "notebooks/prep.py")
    assert load.assets == ("data/prices.csv",)
    assert set(p.step("configure").modules) == {"notebooks/lib/Setup.ipynb", "notebooks/lib/inner.py"}
    assert {"pandas", "yaml"} <= {m for m, _ in p.project.imports}
    # the step cache keys on the target's content, as on a local module's
    from notebook_ops.execution.stepfiles import metadata

    assert set(metadata(p, load)["local_code"]) == {"notebooks/helpers2.py", "notebooks/prep.py"}
    # the step notebooks keep the line as written
    cell = p.cell(1)
    assert cell.source == "%run -i prep.py" and cell.runs == ("prep.py",)
    assert "pd.read_csv" in cell.analysed


def test_a_name_without_py_is_found_as_ipython_finds_it(tmp_path):
    nbdir = _project(tmp_path)
    nb = write_notebook(nbdir / "n.ipynb", make_notebook([("%run lib/inner", []), ("y = inner_value", [])]))
    p = load_pipeline(nb)
    assert p.cell(0).runs == ("lib/inner.py",)
    assert not [x for x in p.problems if x.code == "undefined-name"]


@pytest.mark.parametrize(
    "line, message",
    [
        ("%run missing.py", "%run missing.py: missing.py does not exist"),
        ("%run broken.py", "%run broken.py: broken.py does not parse"),
        ("%run loop.py", "in loop.py: %run loop.py: loop.py runs itself in a cycle"),
    ],
)
def test_a_target_that_cannot_be_followed_is_one_error_on_its_cell(tmp_path, line, message):
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "loop.py").write_text("%run loop.py\n")
    nb = write_notebook(tmp_path / "n.ipynb", make_notebook([("x = 1", ["step:a"]), (line, [])]))
    errors = load_pipeline(nb).errors
    assert [(e.code, e.cell) for e in errors] == [("run-target", 1)]
    assert errors[0].message.startswith(message)
    assert errors[0].hint


def test_a_target_outside_the_project_cannot_be_shipped(tmp_path):
    nbdir = _project(tmp_path / "proj")
    (tmp_path / "shared.py").write_text("shared = 1\n")
    nb = write_notebook(nbdir / "n.ipynb", make_notebook([("%run ../../shared.py\nprint(shared)", [])]))
    p = load_pipeline(nb)
    assert p.project.outside == (("../../shared.py", 0, "outside the project"),)
