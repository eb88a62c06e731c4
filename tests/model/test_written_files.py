"""Files the code writes: the folders they go into (created in a bundle's workspace), and SQLite
databases, read and written by any step that opens them, handed between steps."""

from __future__ import annotations

from nbfactory import make_notebook, write_notebook
from notebook_ops.model import load_pipeline


def _nb(tmp_path, cells):
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    return load_pipeline(write_notebook(tmp_path / "notebooks" / "n.ipynb", make_notebook(cells)))


def test_folders_written_into_are_recorded_project_relative(tmp_path):
    p = _nb(
        tmp_path,
        [
            (
                "import pandas as pd, joblib, numpy as np, sqlite3\nOUT = 'out'\n"
                "df = pd.DataFrame({'a': [1]})\ndf.to_csv('../processed/x.csv')\n"
                "open(OUT + '/a.txt', 'w').write('x')\njoblib.dump(df, 'models/m/m.joblib')\n"
                "np.save('arrays/a.npy', [1])\ndf.to_parquet('here.parquet')\n"
                "sqlite3.connect('logs/logs.db')\ndf.to_csv('/tmp/abs.csv')\n",
                ["step:a"],
            ),
            ("import matplotlib.pyplot as plt\nplt.savefig('figs/f.png')", ["step:b"]),
        ],
    )
    assert p.project.dirs == (
        "notebooks/arrays",
        "notebooks/figs",
        "notebooks/logs",
        "notebooks/models/m",
        "notebooks/out",
        "processed",
    )


def test_sqlite_databases_are_handed_between_steps(tmp_path):
    p = _nb(
        tmp_path,
        [
            ("import sqlite3\nimport pandas as pd\nfrom sqlalchemy import create_engine", ["setup"]),
            (
                "con = sqlite3.connect('logs/logs.db')\ncon.execute('create table t (x)')\ncon.commit()",
                ["step:write"],
            ),
            ("con = sqlite3.connect('logs/logs.db')\ncon.execute('insert into t values (1)')", ["step:more"]),
            ("rows = pd.read_sql('select * from t', create_engine('sqlite:///logs/logs.db'))", ["step:read"]),
            ("other = pd.read_sql('select a.x from t a', 'sqlite:///db/other.db')", ["step:elsewhere"]),
        ],
    )
    steps = {s.name: s for s in p.steps}
    assert steps["write"].files_out == ("logs/logs.db",) and steps["write"].files_in == ()
    assert steps["more"].files_in == (("logs/logs.db", "write"),)
    assert steps["more"].files_out == ("logs/logs.db",)
    assert steps["read"].files_in == (("logs/logs.db", "more"),)
    # a query is no file; a database nothing writes nor ships is a missing file
    assert [(x.code, x.step) for x in p.problems if x.severity != "info"] == [("missing-file", "elsewhere")]
    assert "notebooks/logs" in p.project.dirs


def test_a_database_in_the_project_is_shipped_to_the_step_that_opens_it_first(tmp_path):
    (tmp_path / "notebooks" / "logs").mkdir(parents=True)
    (tmp_path / "notebooks" / "logs" / "logs.db").write_bytes(b"SQLite format 3\x00")
    p = _nb(
        tmp_path,
        [
            ("import sqlite3\ncon = sqlite3.connect('logs/logs.db')", ["step:a"]),
            ("con = sqlite3.connect('logs/logs.db')", ["step:b"]),
        ],
    )
    assert p.step("a").assets == ("notebooks/logs/logs.db",)
    assert p.step("b").files_in == (("logs/logs.db", "a"),)


def test_steps_that_do_not_follow_each_other_each_open_their_own_database(tmp_path):
    connect = "import sqlite3\ncon = sqlite3.connect('logs/logs.db')\n"
    p = _nb(
        tmp_path,
        [
            ("x = 1", ["step:start"]),
            (connect + "con.execute('create table a (x)')", ["step:a", "after:start"]),
            (connect + "con.execute('create table b (x)')", ["step:b", "after:start"]),
            (connect + "n = con.execute('select 1').fetchone()", ["step:join", "after:a", "after:b"]),
        ],
    )
    assert not [x for x in p.problems if x.severity != "info"], p.problems
    assert p.step("a").files_in == () and p.step("b").files_in == ()
    assert p.step("join").files_in == (("logs/logs.db", "b"),)
