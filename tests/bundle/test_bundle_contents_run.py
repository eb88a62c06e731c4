"""A SQLite database and a ``%run`` script, with real kernels: handed from step to step in the
checkout (and restored from the cache), in a bundle run from an empty folder (the folders the
code writes into created in its workspace), and with ``run-step`` tasks in two separate empty
folders sharing only the data store."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bundlekit import commit_all, init_repo
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import export_notebook
from notebook_ops.execution import run_notebook
from clikit import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
PREP = "import math\nrows = [math.floor(i * scale) for i in range(n_rows)]\n"
CELLS = [
    ("n_rows = 4  # rows to log\nscale = 1.5", ["parameters"]),
    ("import sqlite3\nimport notebook_ops as nbo", ["setup"]),
    (
        "%run -i prep.py\n"
        "con = sqlite3.connect('logs/logs.db')\n"
        "con.execute('create table if not exists t (x integer)')\n"
        "con.execute('delete from t')\n"
        "con.executemany('insert into t values (?)', [(r,) for r in rows])\n"
        "con.commit()\ncon.close()\n"
        "open('../processed/count.txt', 'w').write(str(len(rows)))",
        ["step:write"],
    ),
    (
        "con = sqlite3.connect('logs/logs.db')\n"
        "total = con.execute('select sum(x) from t').fetchone()[0]\n"
        "nbo.log_metric('total', total)\nprint('total', total)",
        ["step:read"],
    ),
]


def expected_total(n_rows=4, scale=1.5) -> int:
    return sum(int(i * scale) for i in range(n_rows))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqlite") / "proj"
    (root / "notebooks" / "logs").mkdir(parents=True)  # as in the author's checkout
    (root / "processed").mkdir()
    init_repo(root)
    (root / ".gitignore").write_text("dist/\n.notebook_ops/\n*.db\nprocessed/\n")
    (root / "notebooks" / "prep.py").write_text(PREP)
    nb = write_notebook(
        root / "notebooks" / "logs_db.ipynb", make_notebook(CELLS, {"notebook_ops": {"name": "logs-db"}})
    )
    commit_all(root, "project")
    return nb


def _cli(*args, cwd, env=None):  # no tracking server of this machine
    return run_cli(*args, cwd=cwd, env={"MLFLOW_TRACKING_URI": None, **(env or {})})


def test_the_database_goes_from_step_to_step_and_comes_back_from_the_cache(project):
    first = run_notebook(project, track=False)
    assert first.ok, first.record["error"]
    assert first.record["metrics"]["total"] == expected_total()
    # the reading step is changed: the writing step is cached, its database restored from the cache
    nb = json.loads(project.read_text())
    nb["cells"][3]["source"] += (
        "\nnbo.log_metric('rows', con.execute('select count(*) from t').fetchone()[0])"
    )
    project.write_text(json.dumps(nb, indent=1))
    (project.parent / "logs" / "logs.db").unlink()  # not on this disk any more: only in the cache
    second = run_notebook(project, track=False)
    assert second.ok, second.record["error"]
    steps = second.record["steps"]
    assert steps["write"]["cached"] is True and steps["read"]["cached"] is False
    assert second.record["metrics"] == {"total": expected_total(), "rows": 4}
    subprocess.run(["git", "checkout", "--", project.name], cwd=project.parent, check=True)


@pytest.fixture(scope="module")
def bundle(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = export_notebook(project, out_dir=out, track=False, allow_dirty=True, target_names=[])
    assert r.manifest["files"]["dirs"] == ["notebooks/logs", "processed"]
    assert [s.get("files_out") for s in r.manifest["steps"]] == [["logs/logs.db"], None]
    assert r.manifest["steps"][1]["files_in"] == {"logs/logs.db": "write"}
    assert [f["path"] for f in r.manifest["files"]["code"]] == ["notebooks/prep.py"]
    return r


def test_the_bundle_runs_from_an_empty_folder(bundle, tmp_path):
    shutil.copy(bundle.archive, tmp_path)
    run = _cli("run", bundle.archive.name, "--no-track", "--json", "-p", "n_rows=6", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert json.loads(run.stdout)["metrics"]["total"] == expected_total(6)


def test_run_step_tasks_in_separate_empty_folders_share_only_the_store(bundle, tmp_path):
    store = tmp_path / "store"
    one, two = tmp_path / "task1", tmp_path / "task2"
    one.mkdir()
    two.mkdir()
    w = _cli("run-step", bundle.folder, "write", "--data", store, "-p", "n_rows=5", "-q", cwd=one)
    assert w.returncode == 0, w.stdout[-3000:] + w.stderr[-3000:]
    r = _cli("run-step", bundle.folder, "read", "--data", store, "--json", cwd=two)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert json.loads(r.stdout)["metrics"]["total"] == expected_total(5)
    assert not list(one.iterdir()) and not list(two.iterdir())  # tasks work in their own temp folders
