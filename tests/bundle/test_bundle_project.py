"""Bundles of a real project (issue 14): the notebook's own code and data travel with it, and a
file one step writes reaches the next step through the data store. Real git repositories,
real kernels; every bundle runs from a folder that holds only its archive."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from bundlekit import commit_all, git
from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import diff_bundles, export_notebook, verify_bundle
from notebook_ops.errors import BundleInvalid, ExportRefused
from notebook_ops.execution import run_notebook
from projectkit import CELLS, make_project
from clikit import run_cli


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj")


def _export(nb, tmp_path, **kw):
    return export_notebook(nb, out_dir=tmp_path / "dist", track=False, **kw)


def test_the_bundle_carries_the_code_and_data_the_notebook_needs(project, tmp_path):
    r = _export(project, tmp_path)
    files = set(verify_bundle(r.folder).files)
    assert {
        "code/notebooks/helpers.py",
        "code/src/pkg/__init__.py",
        "code/src/pkg/features.py",
        "code/src/pkg/util.py",
        "assets/data/train.csv",
        "assets/data/extra.csv",
    } <= files
    assert "code/src/pkg/unused.py" not in files  # not imported: not shipped
    m = yaml.safe_load((r.folder / "pipeline.yaml").read_text())
    assert m["files"]["notebook_dir"] == "notebooks"
    assert m["files"]["code_roots"] == ["notebooks", "src"]
    train = next(f for f in m["files"]["assets"] if f["path"] == "data/train.csv")
    assert train["size"] == 8 and len(train["sha256"]) == 64
    steps = {s["name"]: s for s in m["steps"]}
    assert steps["load"]["files_out"] == ["work/doubled.txt"]
    assert steps["report"]["files_in"] == {"work/doubled.txt": "load"}
    assert steps["report"]["assets"] == ["data/extra.csv"]
    readme = (r.folder / "README.md").read_text()
    assert "## Files and code shipped" in readme and "`assets/data/train.csv`" in readme
    assert "pkg" not in (r.folder / "requirements.txt").read_text()  # local, not pinned
    assert r.shipped.startswith("4 local module(s)")


def test_archive_runs_alone_with_run_and_step_by_step(project, tmp_path):
    r = _export(project, tmp_path)
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.copy(r.archive, alone)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = run_cli("run", r.archive.name, "--no-track", "--json", cwd=alone, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["metrics"]["total"] == 12
    # as an orchestrator runs it: one task per step, each with its own data folder
    d1, d2 = tmp_path / "task1", tmp_path / "task2"
    out = run_cli("run-step", r.archive.name, "load", "--data", str(d1), cwd=alone, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not (alone / "work").exists()  # the step ran in its own workspace
    out = run_cli(
        "run-step",
        r.archive.name,
        "report",
        "--data",
        str(d2),
        "--stage-in",
        "load",
        str(d1 / "load"),
        "-p",
        "factor=2",
        cwd=alone,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "total 24 2" in out.stdout
    assert sorted(p.name for p in alone.iterdir()) == [".notebook_ops", r.archive.name]
    verify_bundle(r.archive)  # nothing was written into the bundle


def test_a_step_without_its_upstream_file_fails_clearly(project, tmp_path):
    r = _export(project, tmp_path)
    out = run_cli(
        "run-step",
        str(r.folder),
        "report",
        "--data",
        str(tmp_path / "d"),
        cwd=tmp_path,
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert out.returncode != 0
    assert "outputs of step 'load'" in (out.stdout + out.stderr)


def test_editing_a_local_module_new_version_diff_and_cache_miss(project, tmp_path):
    root = project.parent.parent
    first = run_notebook(project, track=False)
    again = run_notebook(project, track=False)
    assert first.ok and again.ok
    assert all(s["cached"] for s in again.record["steps"].values())
    v1 = _export(project, tmp_path)
    util = root / "src" / "pkg" / "util.py"
    util.write_text(util.read_text().replace("v * k", "v * k + 1"))
    commit_all(root, "util changed")
    edited = run_notebook(project, track=False)
    assert edited.ok, edited.record["error"]
    assert not any(s["cached"] for s in edited.record["steps"].values())
    assert edited.record["metrics"]["total"] == 15
    v2 = _export(project, tmp_path)
    assert (v1.version, v2.version) == (1, 2)
    d = diff_bundles(v1.folder, v2.folder)
    assert list(d.files) == ["code/src/pkg/util.py"]
    assert "+    return [v * k + 1 for v in values]" in d.files["code/src/pkg/util.py"]["diff"]


def test_a_data_file_change_misses_the_cache_down_the_graph(project, tmp_path):
    first = run_notebook(project, track=False)
    data = project.parent.parent / "data" / "train.csv"
    data.write_text("x\n1\n2\n3\n4\n")
    second = run_notebook(project, track=False)
    # load reads train.csv (a data file: in its key); the file it hands report changed
    assert first.record["metrics"]["total"] == 12
    assert not any(s["cached"] for s in second.record["steps"].values())
    assert second.record["metrics"]["total"] == 20
    third = run_notebook(project, track=False)
    assert all(s["cached"] for s in third.record["steps"].values())


def _refused(nb, tmp_path, **kw) -> ExportRefused:
    before = nb.read_bytes()
    with pytest.raises(ExportRefused) as err:
        _export(nb, tmp_path, **kw)
    assert nb.read_bytes() == before
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("proj*"))
    return err.value


def test_bad_input_is_one_line_naming_the_cell(tmp_path):
    # a path outside the project
    (tmp_path / "secret.csv").write_text("a\n")
    nb = make_project(
        tmp_path / "p1",
        cells=CELLS + [("import pandas as pd\nt = pd.read_csv('../../secret.csv')", ["step:leak"])],
        commit=True,
    )
    e = _refused(nb, tmp_path)
    assert e.cell == 4 and "outside the project" in str(e) and "assets.external" in str(e)
    # a symlink out of the project
    nb = make_project(tmp_path / "p2", commit=False)
    os.symlink(tmp_path / "secret.csv", nb.parent.parent / "data" / "link.csv")
    write_notebook(
        nb,
        make_notebook(
            CELLS + [("import pandas as pd\nt = pd.read_csv('../data/link.csv')", ["step:leak"])],
            {"notebook_ops": {"name": "proj"}},
        ),
    )
    commit_all(nb.parent.parent)
    e = _refused(nb, tmp_path / "b")
    assert e.cell == 4 and "symlink to outside the project" in str(e)
    # over the size limit
    nb = make_project(tmp_path / "p3", settings={"bundle": {"max_asset_mb": 0.000005}})
    e = _refused(nb, tmp_path / "c")
    assert "over the" in str(e) and "max_asset_mb" in str(e)
    # an import nothing provides
    nb = make_project(
        tmp_path / "p4",
        cells=CELLS[:1] + [(CELLS[1][0] + "\nimport no_such_module_here", ["setup"])] + CELLS[2:],
    )
    e = _refused(nb, tmp_path / "d")
    assert e.cell == 1 and "no_such_module_here" in str(e)


def test_secrets_are_never_shipped_even_when_read(tmp_path):
    """Read by the notebook: the export is refused, naming the file and the step; left out with
    assets.exclude (the path as the code names it), it exports without it."""
    nb = make_project(
        tmp_path / "p", cells=CELLS + [("creds = open('../.env').read()", ["step:creds"])], commit=False
    )
    (nb.parent.parent / ".env").write_text("TOKEN=abc\n")
    commit_all(nb.parent.parent)
    with pytest.raises(ExportRefused) as e:
        _export(nb, tmp_path)
    assert e.value.step == "creds" and ".env is an environment file" in str(e.value)
    assert '"exclude": ["../.env"]' in str(e.value) and not (tmp_path / "dist").exists()
    data = json.loads(nb.read_text())
    data["metadata"]["notebook_ops"]["assets"] = {"exclude": ["../.env"]}
    nb.write_text(json.dumps(data, indent=1))
    commit_all(nb.parent.parent)
    r = _export(nb, tmp_path)
    assert not any(".env" in f for f in verify_bundle(r.folder).files)


def test_external_asset_is_a_url_parameter_fetched_before_the_step(tmp_path):
    remote = tmp_path / "remote" / "big.csv"
    remote.parent.mkdir()
    remote.write_text("x\n10\n20\n")
    settings = {"assets": {"external": {"../data/big.csv": remote.as_uri()}}}
    nb = make_project(
        tmp_path / "p",
        settings=settings,
        cells=CELLS[:2]
        + [
            (
                "big = read_rows('../data/big.csv')\nimport notebook_ops as nbo\n"
                "nbo.log_metric('big', sum(big))",
                ["step:big"],
            )
        ],
    )
    p = export_notebook(nb, out_dir=tmp_path / "dist", track=False)
    params = {x["name"]: x for x in p.manifest["parameters"]}
    assert params["asset_big"] == {
        "name": "asset_big",
        "type": "str",
        "default": remote.as_uri(),
        "help": params["asset_big"]["help"],
    }
    other = tmp_path / "other.csv"
    other.write_text("x\n1\n")
    out = run_cli(
        "run",
        str(p.archive),
        "--no-track",
        "--json",
        "-p",
        f"asset_big={other.as_uri()}",
        cwd=tmp_path,
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["metrics"]["big"] == 1


def test_editor_droppings_do_not_break_a_bundle(project, tmp_path):
    r = _export(project, tmp_path)
    # JupyterLab opening the README, Python importing the code in place, Finder
    (r.folder / ".ipynb_checkpoints").mkdir()
    (r.folder / ".ipynb_checkpoints" / "README-checkpoint.md").write_text("x")
    (r.folder / "code" / "src" / "pkg" / "__pycache__").mkdir()
    (r.folder / "code" / "src" / "pkg" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"x")
    (r.folder / "steps" / ".ipynb_checkpoints").mkdir()
    (r.folder / "steps" / ".ipynb_checkpoints" / "load-checkpoint.ipynb").write_text("{}")
    assert "README.md" in verify_bundle(r.folder).files
    out = run_cli(
        "run", str(r.folder), "--no-track", cwd=tmp_path, env={"XDG_CACHE_HOME": str(tmp_path / "cache")}
    )
    assert out.returncode == 0, out.stdout + out.stderr
    # a real extra file is still refused
    (r.folder / "code" / "evil.py").write_text("x")
    with pytest.raises(BundleInvalid, match="not in SHA256SUMS"):
        verify_bundle(r.folder)


def test_git_state_is_untouched_by_export(project, tmp_path):
    root = project.parent.parent
    before = git(root, "status", "--porcelain")
    _export(project, tmp_path)
    assert git(root, "status", "--porcelain") == before


def test_pip_install_lines_are_pinned_and_reported(tmp_path):
    nb = make_project(
        tmp_path / "p", cells=CELLS[:1] + [("%pip install -q PyYAML\n" + CELLS[1][0], ["setup"])] + CELLS[2:]
    )
    r = _export(nb, tmp_path)
    assert r.pip_installs == ["PyYAML"]
    assert "pyyaml==" in (r.folder / "requirements.txt").read_text()


def test_a_data_folder_ships_its_files_without_droppings(tmp_path):
    nb = make_project(
        tmp_path / "p",
        cells=CELLS
        + [
            (
                "import glob\nparts = sorted(glob.glob('../data/parts/*.csv'))\n"
                "n = sum(len(open(f).read()) for f in parts)\n"
                "print('parts', [os.path.basename(f) for f in parts], n)",
                ["step:parts"],
            )
        ],
        commit=False,
    )
    parts = nb.parent.parent / "data" / "parts"
    (parts / ".ipynb_checkpoints").mkdir(parents=True)
    (parts / "a.csv").write_text("1\n")
    (parts / "b.csv").write_text("22\n")
    (parts / ".ipynb_checkpoints" / "a-checkpoint.csv").write_text("x\n")
    commit_all(nb.parent.parent)
    r = _export(nb, tmp_path)
    shipped = r.to_dict()["shipped"]["assets"]
    assert "data/parts/a.csv" in shipped and "data/parts/b.csv" in shipped
    assert not any("checkpoint" in a for a in shipped)
    out = run_cli(
        "run-step",
        str(r.archive),
        "parts",
        "--data",
        str(tmp_path / "d"),
        cwd=tmp_path,
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "parts ['a.csv', 'b.csv'] 5" in out.stdout


def test_an_editable_install_ships_as_a_wheel(tmp_path, monkeypatch):
    import zipfile

    from projectkit import make_editable_project

    nb, site = make_editable_project(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    r = _export(nb, tmp_path)
    wheel = r.folder / "wheels" / "mypkg-0.3-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert {"mypkg/__init__.py", "mypkg/core.py", "mypkg/words.txt"} <= set(names)
    assert "mypkg==0.3" in (r.folder / "requirements.txt").read_text()
    assert any("editable" in w and "mypkg" in w for w in r.warnings)
    core = nb.parent / "src" / "mypkg" / "core.py"
    core.write_text("def answer():\n    return 43\n")
    commit_all(nb.parent, "43")
    assert _export(nb, tmp_path).version == 2  # the package's code is in the content hash


def test_what_local_modules_import_is_pinned_or_refused(tmp_path):
    nb = make_project(tmp_path / "p", commit=False)
    helpers = nb.parent / "helpers.py"
    helpers.write_text("import yaml\n" + helpers.read_text())
    commit_all(nb.parent.parent)
    r = _export(nb, tmp_path)
    assert "pyyaml==" in (r.folder / "requirements.txt").read_text()
    util = nb.parent.parent / "src" / "pkg" / "util.py"
    util.write_text("import not_a_module_anywhere\n" + util.read_text())
    commit_all(nb.parent.parent)
    e = _refused(nb, tmp_path / "again")
    assert "not_a_module_anywhere" in str(e) and e.path.endswith("src/pkg/util.py")


def test_project_bundles_stay_reproducible(project, tmp_path):
    a = export_notebook(project, out_dir=tmp_path / "a", track=False, tag=False)
    b = export_notebook(project, out_dir=tmp_path / "b", track=False, tag=False)
    assert a.archive.read_bytes() == b.archive.read_bytes()
