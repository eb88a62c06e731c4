"""The bundle runs where only it and its requirements are: a fresh venv, outside the repository.

Slow on purpose (a real venv, pip, kernels, MLflow): the promise to DevOps is exactly this.
The venv gets nothing but ``pip install -r requirements.txt`` (pip uses this machine's
configured index and wheel cache); the run starts from a folder outside the repository, with no
PYTHONPATH, so neither the source notebook nor this checkout can be reached.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from bundlekit import ORIGINAL_ENV
from nbfactory import EXAMPLES, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in ORIGINAL_ENV.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "MLFLOW_TRACKING_URI", "SOURCE_DATE_EPOCH")
        and not k.startswith("PYTEST")
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """(venv bin folder, work folder holding only the bundle archive, exported folder)."""
    base = tmp_path_factory.mktemp("fresh")
    author = base / "author"
    author.mkdir()
    shutil.copy(EXAMPLES / "churn.ipynb", author / "churn.ipynb")
    # exported by this checkout's code (its wheel is what the fresh venv installs)
    out = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "export", "churn.ipynb", "--no-mlflow"],
        cwd=author,
        capture_output=True,
        text=True,
        env=clean_env(XDG_CACHE_HOME=str(base / "cache"), PYTHONPATH=str(ROOT)),
    )
    assert out.returncode == 0, out.stderr
    folder = author / "dist" / "churn-v1"
    work = base / "ops"
    work.mkdir()
    shutil.copy(author / "dist" / "churn-v1.tar.gz", work)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(folder / "requirements.txt")],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    return venv / "bin", work, folder


def test_bundle_runs_from_the_archive_in_a_fresh_venv(fresh):
    bin_, work, _ = fresh
    where = subprocess.run(
        [str(bin_ / "python"), "-c", "import notebook_ops; print(notebook_ops.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert str(bin_.parent) in where.stdout and str(ROOT) not in where.stdout
    run = subprocess.run(
        [str(bin_ / "notebook-ops"), "run", "churn-v1.tar.gz", "-p", "n_customers=600", "-p", "seed=3"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(PATH=f"{bin_}{os.pathsep}/usr/bin:/bin", XDG_CACHE_HOME=str(work / "cache")),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    records = sorted((work / ".notebook_ops" / "runs").glob("*/run.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    assert record["status"] == "succeeded" and record["mode"] == "bundle"
    assert record["parameters"]["n_customers"] == 600
    assert record["tags"]["bundle_version"] == "1" and record["tags"]["bundle_name"] == "churn"
    assert 0.5 < record["metrics"]["accuracy"] <= 1.0
    assert set(record["steps"]) == {"load", "features", "train_linear", "train_tree", "evaluate"}
    assert all(s["status"] == "succeeded" for s in record["steps"].values())


def test_mlflow_run_of_the_bundle(fresh, tmp_path):
    bin_, _, folder = fresh
    bundle = tmp_path / "churn-v1"
    shutil.copytree(folder, bundle)
    db = tmp_path / "mlflow.db"
    env = clean_env(
        PATH=f"{bin_}{os.pathsep}/usr/bin:/bin",
        MLFLOW_TRACKING_URI=f"sqlite:///{db}",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    out = subprocess.run(
        [str(bin_ / "mlflow"), "run", str(bundle), "--env-manager", "local", "-P", "n_customers=400"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    query = (
        "import json; from mlflow.tracking import MlflowClient as C; c = C();"
        "es = [e.experiment_id for e in c.search_experiments()];"
        "rs = c.search_runs(es);"
        "print(json.dumps([{'id': r.info.run_id, 'tags': r.data.tags, 'params': r.data.params,"
        " 'metrics': r.data.metrics, 'status': r.info.status} for r in rs]))"
    )
    runs = json.loads(
        subprocess.run(
            [str(bin_ / "python"), "-c", query], capture_output=True, text=True, env=env, check=True
        ).stdout
    )
    # the run `mlflow run` opened is the pipeline's run: parameters, metrics, steps nested in it
    outer = [r for r in runs if r["tags"].get("mlflow.project.entryPoint")]
    assert len(outer) == 1, runs
    outer = outer[0]
    assert outer["status"] == "FINISHED" and outer["tags"]["bundle_version"] == "1"
    assert outer["tags"]["notebook_ops.status"] == "succeeded"
    assert outer["params"]["n_customers"] == "400" and "seed" in outer["params"]
    assert outer["metrics"]["accuracy"] >= 0.5
    steps = {
        r["tags"]["notebook_ops.step"] for r in runs if r["tags"].get("mlflow.parentRunId") == outer["id"]
    }
    assert steps == {"load", "features", "train_linear", "train_tree", "evaluate"}
    assert len(runs) == 6  # no second, separate pipeline run
    # running in place leaves the bundle verifiable (run state is not bundle content)
    verify = subprocess.run(
        [str(bin_ / "notebook-ops"), "verify", str(bundle)], capture_output=True, text=True, env=env
    )
    assert verify.returncode == 0, verify.stderr


def test_project_bundle_runs_in_the_fresh_venv(fresh, tmp_path):
    """A bundle carrying the project's code and data (issue 14), its archive alone, no PYTHONPATH."""
    from projectkit import make_project

    bin_, _, _ = fresh
    nb = make_project(tmp_path / "proj")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "notebook_ops",
            "export",
            nb.name,
            "--no-mlflow",
            "-o",
            str(tmp_path / "dist"),
        ],
        cwd=nb.parent,
        capture_output=True,
        text=True,
        env=clean_env(XDG_CACHE_HOME=str(tmp_path / "c1"), PYTHONPATH=str(ROOT)),
    )
    assert out.returncode == 0, out.stderr
    work = tmp_path / "ops"
    work.mkdir()
    shutil.copy(tmp_path / "dist" / "proj-v1.tar.gz", work)
    run = subprocess.run(
        [str(bin_ / "notebook-ops"), "run", "proj-v1.tar.gz", "--no-track", "--json", "-p", "factor=5"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(PATH=f"{bin_}{os.pathsep}/usr/bin:/bin", XDG_CACHE_HOME=str(work / "cache")),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert json.loads(run.stdout)["metrics"]["total"] == 60


def test_editable_project_bundle_installs_its_wheel_in_the_fresh_venv(fresh, tmp_path):
    """``pip install -e`` of the author's package: the bundle carries it as a wheel."""
    from projectkit import make_editable_project

    bin_, _, _ = fresh
    nb, site = make_editable_project(tmp_path)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "notebook_ops",
            "export",
            nb.name,
            "--no-mlflow",
            "-o",
            str(tmp_path / "dist"),
        ],
        cwd=nb.parent,
        capture_output=True,
        text=True,
        env=clean_env(XDG_CACHE_HOME=str(tmp_path / "c1"), PYTHONPATH=f"{ROOT}{os.pathsep}{site}"),
    )
    assert out.returncode == 0, out.stderr
    work = tmp_path / "ops"
    work.mkdir()
    shutil.copy(tmp_path / "dist" / "uses-pkg-v1.tar.gz", work)
    bundle = tmp_path / "dist" / "uses-pkg-v1"
    pip = subprocess.run(
        [str(bin_ / "python"), "-m", "pip", "install", "-q", "-r", str(bundle / "requirements.txt")],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    run = subprocess.run(
        [str(bin_ / "notebook-ops"), "run", "uses-pkg-v1.tar.gz", "--no-track", "--json"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(PATH=f"{bin_}{os.pathsep}/usr/bin:/bin", XDG_CACHE_HOME=str(work / "cache")),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert json.loads(run.stdout)["metrics"]["answer"] == 42


def test_multi_notebook_bundle_runs_in_a_venv_of_its_own_requirements(tmp_path):
    """A pipeline across notebooks whose pandas is imported by a notebook that is not the entry
    (issue 23): a venv built from the bundle's requirements.txt alone runs it."""
    from bundlekit import commit_all, init_repo

    author = tmp_path / "multi"
    shutil.copytree(EXAMPLES / "multi", author)
    ingest = author / "01_ingest.ipynb"
    nb = json.loads(ingest.read_text())
    nb["cells"][2]["source"] = (
        "import pandas as pd\nrows = pd.Series([(i % 7) + 0.5 * i for i in range(n_rows)]).tolist()"
    )
    ingest.write_text(json.dumps(nb, indent=1))
    init_repo(author)
    (author / ".gitignore").write_text("dist/\n")
    commit_all(author, "multi")
    out = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "export", "03_train.ipynb", "--no-mlflow"],
        cwd=author,
        capture_output=True,
        text=True,
        env=clean_env(XDG_CACHE_HOME=str(tmp_path / "c1"), PYTHONPATH=str(ROOT)),
    )
    assert out.returncode == 0, out.stderr
    folder = author / "dist" / "multi-demo-v1"  # metadata.notebook_ops.name
    direct = (folder / "requirements.txt").read_text().split("# needed by the above")[0]
    assert "\npandas==" in direct  # imported by 01_ingest, a notebook the entry runs after
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_ = venv / "bin"
    pip = subprocess.run(
        [str(bin_ / "python"), "-m", "pip", "install", "-q", "-r", str(folder / "requirements.txt")],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    work = tmp_path / "ops"
    work.mkdir()
    shutil.copy(author / "dist" / "multi-demo-v1.tar.gz", work)
    run = subprocess.run(
        [str(bin_ / "notebook-ops"), "run", "multi-demo-v1.tar.gz", "--no-track", "-p", "n_rows=12"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env(PATH=f"{bin_}{os.pathsep}/usr/bin:/bin", XDG_CACHE_HOME=str(work / "cache")),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    record = json.loads(next((work / ".notebook_ops" / "runs").glob("*/run.json")).read_text())
    assert record["status"] == "succeeded" and record["steps"]["ingest"]["status"] == "succeeded"
    assert len(record["steps"]) == 6
