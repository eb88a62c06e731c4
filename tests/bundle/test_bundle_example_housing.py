"""The housing example, written as a data scientist would (pandas + scikit-learn, CSVs in data/,
a helpers module, a model file handed from train to evaluate): exported from its own git
repository, its archive runs alone, whole and one task per step with separate data folders."""

from __future__ import annotations

import json
import shutil

from bundlekit import commit_all, init_repo
from nbfactory import copy_example
from notebook_ops.bundle import export_notebook
from clikit import run_cli as cli


def test_housing_bundle_runs_from_an_empty_folder(tmp_path):
    repo = tmp_path / "housing"
    copy_example("housing", repo)
    init_repo(repo)
    commit_all(repo, "housing")
    r = export_notebook(repo / "housing.ipynb", out_dir=tmp_path / "dist", track=False)
    files = r.to_dict()["shipped"]
    assert files["code"] == ["housing_utils.py"]
    assert files["assets"] == ["data/listings.csv", "data/neighbourhoods.csv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(r.archive, empty)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = cli("run", r.archive.name, "--no-track", "--json", cwd=empty, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["metrics"]["r2"] >= 0.7
    done = []
    for step in ("load", "features", "train", "evaluate"):
        stage = [a for p in done for a in ("--stage-in", p, str(tmp_path / f"task-{p}" / p))]
        out = cli(
            "run-step",
            r.archive.name,
            step,
            "--data",
            str(tmp_path / f"task-{step}"),
            *stage,
            "-q",
            cwd=empty,
            env=env,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        done.append(step)
    metrics = json.loads((tmp_path / "task-evaluate" / "evaluate" / "_metrics.json").read_text())
    assert {m["name"] for m in metrics} == {"mae", "r2"}
