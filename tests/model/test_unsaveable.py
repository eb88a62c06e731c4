"""Lint ``unsaveable-output``: an output a later step reads, whose value the code certainly makes
one no serialiser can save, is a warning naming the step, the cell, the variable and the fix;
anything less certain says nothing."""

from __future__ import annotations

import pytest

from nbfactory import make_notebook
from notebook_ops.model import build_pipeline


def unsaveable(cells):
    p = build_pipeline(make_notebook(cells))
    return [pr for pr in p.problems if pr.code == "unsaveable-output"]


@pytest.mark.parametrize(
    "setup, make, kind",
    [
        ("import sqlite3", "conn = sqlite3.connect('app.db')", "sqlite3.Connection"),
        ("import sqlite3 as sq", "conn = sq.connect('app.db')", "sqlite3.Connection"),
        ("from sqlite3 import connect", "conn = connect('app.db')", "sqlite3.Connection"),
        ("import threading", "conn = threading.Lock()", "_thread.lock"),
        ("from threading import RLock as R", "conn = R()", "_thread.RLock"),
        ("import tempfile", "conn = tempfile.TemporaryFile()", "_io.BufferedRandom"),
        (
            "import concurrent.futures",
            "conn = concurrent.futures.ThreadPoolExecutor(2)",
            "concurrent.futures.thread.ThreadPoolExecutor",
        ),
        ("import os", "conn = (line for line in ['a', 'b'])", "generator"),
    ],
)
def test_a_known_unsaveable_value_handed_on_is_a_warning(setup, make, kind):
    [pr] = unsaveable(
        [
            (setup, ["setup"]),
            ("x = 1", ["step:first"]),
            (make, ["step:open"]),
            ("rows = conn", ["step:query"]),
        ]
    )
    assert (pr.severity, pr.step, pr.cell) == ("warning", "open", 2)
    assert pr.message == f"output 'conn' is a {kind}, which no serialiser can save to hand to step 'query'"
    assert pr.hint == (
        f"compute it in the step that uses it ('query'), or register a serialiser for {kind} "
        "(entry point group notebook_ops.serializers)"
    )


@pytest.mark.parametrize(
    "make",
    [
        "conn = sqlite3.connect('a.db')\nconn = 5",  # rebound: the last binding counts
        "conn = sqlite3.connect('a.db') if flag else None",  # not certain
        "if flag:\n    conn = sqlite3.connect('a.db')",  # inside a block: not certain
        "conn = make_connection()",  # the notebook's own function: unknown type
        "conn = lambda q: q",  # cloudpickle carries functions
        "conn = xgb.DMatrix([[1.0]])",  # a built-in serialiser takes it
        "conn = sqlite3.Connection",  # the class, not an instance
        "conn = open('data.csv')",  # cloudpickle saves a file opened for reading
        "conn = sqlite3.connect('a.db')\nfor conn in range(2):\n    pass",
    ],
)
def test_nothing_is_said_without_certainty(make):
    cells = [
        (
            "import sqlite3\nimport xgboost as xgb\nflag = True\ndef make_connection():\n    return 1",
            ["setup"],
        ),
        (make, ["step:open"]),
        ("rows = conn", ["step:query"]),
    ]
    assert unsaveable(cells) == []


def test_a_value_used_in_its_own_step_only_is_fine():
    cells = [
        ("import sqlite3", ["setup"]),
        ("conn = sqlite3.connect(':memory:')\nrows = conn.execute('select 1').fetchall()", ["step:open"]),
        ("n = len(rows)", ["step:count"]),
    ]
    assert unsaveable(cells) == []


def test_lint_cli_shows_it(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    nb = tmp_path / "db.ipynb"
    cells = [
        ("import sqlite3", ["setup"]),
        ("conn = sqlite3.connect('app.db')", ["step:open"]),
        ("rows = conn.execute('select 1').fetchall()", ["step:query"]),
    ]
    nb.write_text(json.dumps(make_notebook(cells)))
    before = nb.read_bytes()
    exe = str(Path(sys.executable).parent / "notebook-ops")
    done = subprocess.run([exe, "lint", str(nb)], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == (
        f"{nb}: cell 2: step open: warning: output 'conn' is a sqlite3.Connection, which no "
        "serialiser can save to hand to step 'query' [unsaveable-output] (compute it in the step "
        "that uses it ('query'), or register a serialiser for sqlite3.Connection (entry point "
        "group notebook_ops.serializers))"
    )
    assert nb.read_bytes() == before
