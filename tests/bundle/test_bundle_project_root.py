"""A project outside git (issue 25, item 4): ``notebooks/a.ipynb`` reading ``../datasets/x.csv``.

The project is the notebook's folder widened to what its code names by a relative path
(model/localcode.py ``project_root``), so the panel, the CLI and the server agree: the export
carries ``datasets/x.csv`` and the bundle runs where only it exists. A file no bundle can carry
is a problem the panel lists (``outside-project``) before export refuses it with the same words.
Real notebooks, real kernels, the real CLI in a child process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clikit import run_cli
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import export_notebook, verify_bundle
from notebook_ops.errors import ExportRefused
from notebook_ops.model import load_pipeline
from notebook_ops.model.files import OUTSIDE_PROJECT
from notebook_ops.util.confine import confined_to

CELLS = [
    ("import pandas as pd\ndf = pd.read_csv('../datasets/x.csv')", ["step:load"]),
    (
        "total = int(df['a'].sum())\nimport notebook_ops as nbo\nnbo.log_metric('total', total)",
        ["step:report"],
    ),
]


def outside_git(top: Path, cells=CELLS) -> Path:
    """``top/notebooks/a.ipynb`` and ``top/datasets/x.csv``, no git repository anywhere above."""
    (top / "notebooks").mkdir(parents=True)
    (top / "datasets").mkdir()
    (top / "datasets" / "x.csv").write_text("a,b\n1,2\n3,4\n")
    nb = write_notebook(top / "notebooks" / "a.ipynb", make_notebook(cells))
    assert not any((d / ".git").exists() for d in [top, *top.parents])
    return nb


def outside_problems(pipeline):
    return [p for p in pipeline.problems if p.code == OUTSIDE_PROJECT]


def test_the_project_reaches_as_far_as_the_notebooks_relative_paths(tmp_path):
    nb = outside_git(tmp_path / "proj")
    p = load_pipeline(nb)
    assert Path(p.project.root) == (tmp_path / "proj").resolve()
    assert p.project.notebook_dir == "notebooks"
    assert p.project.assets == ("datasets/x.csv",)
    assert p.project.outside == () and outside_problems(p) == []


def test_the_server_agrees_with_the_cli_and_never_goes_above_its_root(tmp_path):
    nb = outside_git(tmp_path / "proj")
    with confined_to(tmp_path):  # a server started above the project: the project, not the root
        assert Path(load_pipeline(nb).project.root) == (tmp_path / "proj").resolve()
    with confined_to(tmp_path / "proj" / "notebooks"):  # started inside it: datasets/ is out of reach
        p = load_pipeline(nb)
    assert Path(p.project.root) == (tmp_path / "proj" / "notebooks").resolve()
    [problem] = outside_problems(p)
    assert (problem.severity, problem.cell) == ("warning", 0)
    assert "'../datasets/x.csv'" in problem.message and "export will be refused" in problem.message


def test_the_home_folder_is_never_a_project(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    (home / "nb").mkdir(parents=True)
    (home / "x.csv").write_text("a\n1\n")
    nb = write_notebook(
        home / "nb" / "a.ipynb", make_notebook([("import pandas as pd\nd = pd.read_csv('../x.csv')", [])])
    )
    p = load_pipeline(nb)
    assert Path(p.project.root) == (home / "nb").resolve()
    assert [x.cell for x in outside_problems(p)] == [0]


def test_the_panel_warns_before_export_refuses_with_the_same_words(tmp_path):
    """An absolute path: the problem is listed (the panel shows it before any export), and the
    CLI's export refuses in one line naming the file, the cell and the fix, no traceback."""
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("a\n1\n")
    cells = [CELLS[0], (f"import pandas as pd\nextra = pd.read_csv({str(elsewhere)!r})", ["step:extra"])]
    nb = outside_git(tmp_path / "proj", cells)
    [problem] = outside_problems(load_pipeline(nb))
    assert problem.cell == 1 and "an absolute path" in problem.message
    assert "copy the file into proj/" in problem.hint
    before = nb.read_bytes()
    with pytest.raises(ExportRefused) as err:
        export_notebook(nb, out_dir=tmp_path / "dist", track=False)
    assert err.value.cell == 1
    assert problem.message.startswith(str(err.value.args[0]).rstrip("."))
    assert err.value.hint == problem.hint
    out = run_cli("export", nb, "--out", tmp_path / "dist2", "--no-mlflow", cwd=tmp_path)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    [line] = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert "notebooks/a.ipynb" in line and "cell 2" in line and "copy the file into proj/" in line
    assert nb.read_bytes() == before


def test_the_export_carries_the_datasets_and_runs_where_only_it_exists(tmp_path):
    nb = outside_git(tmp_path / "proj")
    out = run_cli("export", nb, "--out", tmp_path / "dist", "--no-mlflow", cwd=tmp_path / "proj")
    assert out.returncode == 0, out.stderr
    [folder] = (tmp_path / "dist").glob("a-v*/")
    assert "assets/datasets/x.csv" in verify_bundle(folder).files
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copytree(folder, alone / folder.name)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    ran = run_cli("run", folder.name, "--no-track", "--json", cwd=alone, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["metrics"]["total"] == 4


def test_notebooks_of_one_pipeline_share_the_widest_project(tmp_path):
    """Across notebooks: only 01_ingest reads ../datasets/, yet the pipeline is one project, the
    entry's paths and the ingest step's asset relative to it, and its bundle runs alone."""
    top = tmp_path / "proj"
    (top / "datasets").mkdir(parents=True)
    (top / "datasets" / "x.csv").write_text("a,b\n1,2\n3,4\n")
    (top / "notebooks").mkdir()
    write_notebook(top / "notebooks" / "01_ingest.ipynb", make_notebook([CELLS[0]]))
    report = (
        "import notebook_ops as nbo\nnbo.log_metric('total', int(df['a'].sum()))",
        ["step:report", "after:01_ingest"],
    )
    nb = write_notebook(top / "notebooks" / "02_report.ipynb", make_notebook([report]))
    p = load_pipeline(nb)
    assert Path(p.project.root) == top.resolve() and p.project.notebook_dir == "notebooks"
    assert {s.name: s.assets for s in p.steps} == {"ingest-load": ("datasets/x.csv",), "report": ()}
    assert p.project.assets == ("datasets/x.csv",) and outside_problems(p) == []
    out = run_cli("export", nb, "--out", tmp_path / "dist", "--no-mlflow", cwd=top)
    assert out.returncode == 0, out.stderr
    [folder] = (tmp_path / "dist").glob("*-v*/")
    assert "assets/datasets/x.csv" in verify_bundle(folder).files
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copytree(folder, alone / folder.name)
    ran = run_cli(
        "run", folder.name, "--no-track", "--json", cwd=alone, env={"XDG_CACHE_HOME": str(tmp_path / "c")}
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["metrics"]["total"] == 4
