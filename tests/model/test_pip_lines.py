"""pip lines read as pip reads them: shell words, operators end the command, options dropped,
``-r FILE`` followed, each requirement through ``packaging``, deprecated names renamed."""

from __future__ import annotations

import pytest

from nbfactory import make_notebook, write_notebook
from notebook_ops.model import load_pipeline
from notebook_ops.model.imports import loaded_extensions, pip_installs, third_party_modules
from notebook_ops.model.pip_lines import install_requirements, names, references


@pytest.mark.parametrize(
    "line, expected",
    [
        ("!pip3 install xgboost > /dev/null 2>&1", ["xgboost"]),
        ("!pip install -q lightgbm 2>&1 | tail -1", ["lightgbm"]),
        ("!pip install catboost && echo done; pip install never", ["catboost"]),
        ("%pip install --upgrade --user --no-cache-dir 'pandas>=2,<4' -U", ["pandas<4,>=2"]),
        ("!python -m pip install -i https://example.org/simple torch", ["torch"]),
        ("!python3 -m pip install --index-url https://x/simple -c constraints.txt polars", ["polars"]),
        ("!{sys.executable} -m pip install 'xgboost[scikit-learn]'", ["xgboost[scikit-learn]"]),
        ("%pip install sklearn", ["scikit-learn"]),
        ("%pip install 'sklearn==0.0.post12'", ["scikit-learn==0.0.post12"]),
        ("!pip install \"rich; python_version >= '3.8'\"", ['rich; python_version >= "3.8"']),
        (
            "!pip install git+https://github.com/org/repo.git ./local_pkg",
            ["git+https://github.com/org/repo.git", "./local_pkg"],
        ),
        ("!pip install -e ../mylib", ["../mylib"]),
        ("!pip install $PKG {name}", []),
        ("!pip list", []),
        ("!pip uninstall -y pandas", []),
        ("!conda install pandas", []),
        ("%pip install pandas>=2", ["pandas"]),  # unquoted, the shell reads '>' as a redirection
    ],
)
def test_pip_lines_as_pip_reads_them(line, expected):
    assert pip_installs(line) == expected


def test_requirements_files_are_followed_relative_to_the_notebook(tmp_path):
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text(
        "# base\nnumpy>=1.26  # arrays\n-r more.txt\n--index-url https://x/simple\n"
    )
    (tmp_path / "reqs" / "more.txt").write_text("sklearn\n-r base.txt\n")  # a cycle: read once
    got = pip_installs("!pip install -q -r reqs/base.txt seaborn --requirement=nowhere.txt", tmp_path)
    assert got == ["numpy>=1.26", "scikit-learn", "seaborn"]
    assert install_requirements("pip install -rreqs/more.txt", tmp_path) == ["scikit-learn", "numpy>=1.26"]
    assert pip_installs("!pip install -r reqs/base.txt") == []  # no folder known: not followed


def test_names_and_references():
    reqs = [
        "pandas==2.1",
        "xgboost[scikit-learn]",
        'rich; python_version < "3"',  # a marker that does not hold here: nothing to pin
        "git+https://g/r.git",
        "./pkg",
        "x @ https://h/x.whl",
    ]
    assert names(reqs) == ["pandas", "xgboost[scikit-learn]"]
    assert references(reqs) == ["git+https://g/r.git", "./pkg", "x @ https://h/x.whl"]


def test_load_ext_modules_are_requirements():
    src = "%load_ext line_profiler\n%load_ext autoreload\n%reload_ext pkg.ext\nx = 1"
    assert loaded_extensions(src) == ["line_profiler", "pkg"]
    assert third_party_modules([src, "import pandas as pd"]) == {"line_profiler", "pkg", "pandas"}


def test_pipeline_pip_lines_with_cells(tmp_path):
    (tmp_path / "requirements-extra.txt").write_text("sklearn\n")
    nb = write_notebook(
        tmp_path / "nb.ipynb",
        make_notebook(
            [
                ("!pip install -q -r requirements-extra.txt > /dev/null 2>&1", ["setup"]),
                ("%pip install xgboost", ["step:a"]),
                ("!pip install skipped", ["skip"]),
            ]
        ),
    )
    p = load_pipeline(nb)
    assert p.project.pip == (("scikit-learn", 0), ("xgboost", 1))
