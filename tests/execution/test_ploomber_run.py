"""A Ploomber project runs as it is, with real kernels, and gives what Ploomber 0.23.3 gives
(run for real in its own venv, .venv-ploomber, made like the deploy targets' venvs); cached as
Ploomber users expect (a task reruns when its code or an upstream product changes); exported,
its bundle runs step by step, each step in its own empty folder with one shared data store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ploomberkit import expected_report, ploomber_project

from nbfactory import ROOT
from notebook_ops.execution import run_notebook

OUTPUTS = ["raw.csv", "features.csv", "clean.csv", "report.txt"] + [f"model-{i}.txt" for i in range(4)]


def ploomber_venv() -> Path:
    """Ploomber 0.23.3 apart from the main venv (keep in step with the Makefile's deploy-envs)."""
    venv = Path(os.environ.get("NBO_PLOOMBER_VENV") or ROOT / ".venv-ploomber")
    stamp = venv / ".installed-stamp"
    if not stamp.exists():
        if not (venv / "bin" / "python").exists():
            subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "ploomber==0.23.3"], check=True
        )
        stamp.touch()
    return venv


# the notebook tasks' ``nb`` products (a grid's get -INDEX before the suffix, as its other products)
NB_PRODUCTS = ["get.ipynb", "clean.ipynb", "report.ipynb"] + [f"fit-{i}.ipynb" for i in range(4)]


def _code_run(path: Path) -> list[tuple[str, str]]:
    """(source, printed text) of the task's own code cells in an executed notebook: not the
    parameters each tool injects, not our plumbing."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    out = []
    for c in nb.cells:
        tags = c.metadata.get("tags") or []
        if c.cell_type != "code" or "injected-parameters" in tags or "nbo-plumbing" in tags:
            continue
        if c.source.startswith("# Ploomber's injected parameters") or "\n_nbo_step = " in c.source:
            continue  # ours: Ploomber's values, then the run's plumbing values
        printed = "".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
        out.append((c.source.strip(), printed))
    return out


def test_same_products_as_ploomber(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for folder in (ours, theirs):
        ploomber_project(folder)
        with open(folder / "scripts" / "get.py", "a") as f:  # something printed, to compare
            f.write("\n# %%\nprint('rows written:', rows)\n")
    venv = ploomber_venv()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [str(venv / "bin" / "ploomber"), "build"],
        cwd=theirs,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = run_notebook(ours / "pipeline.yaml", track=False, jobs=2)
    assert result.ok, result.record["error"]
    for name in OUTPUTS:
        assert (ours / "output" / name).read_text() == (theirs / "output" / name).read_text(), name
    assert (ours / "output" / "report.txt").read_text() == expected_report()
    # each notebook task's executed notebook where its nb product says, as Ploomber writes it
    for name in NB_PRODUCTS:
        assert (theirs / "output" / name).is_file(), name
        mine = _code_run(ours / "output" / name)
        assert mine == _code_run(theirs / "output" / name), name
        assert mine, name
    assert ("print('rows written:', rows)", "rows written: 6\n") in _code_run(ours / "output" / "get.ipynb")
    # the function task has no notebook product
    assert not (ours / "output" / "features.ipynb").exists()
    # the stale injected cell (a path under /home/jovyan) ran in neither
    assert not Path("/home/jovyan/onboarding/output/x.csv").exists()


def test_cached_until_code_or_upstream_product_changes(tmp_path):
    path = ploomber_project(tmp_path)
    first = run_notebook(path, track=False, jobs=2)
    assert first.ok, first.record["error"]
    (tmp_path / "output" / "get.ipynb").unlink()  # a cached task still writes its nb product
    again = run_notebook(path, track=False, jobs=2)
    assert again.ok and all(s["cached"] for s in again.record["steps"].values())
    assert (tmp_path / "output" / "get.ipynb").read_bytes() == Path(
        first.record["steps"]["get"]["notebook"]
    ).read_bytes()
    fit = tmp_path / "scripts" / "fit.py"
    fit.write_text(fit.read_text().replace("total * scale + offset", "total * scale + offset + 1"))
    third = run_notebook(path, track=False, jobs=2)
    assert third.ok, third.record["error"]
    cached = {n: s["cached"] for n, s in third.record["steps"].items()}
    assert cached == {
        "get": True,
        "features": True,
        "clean": True,
        "fit-0": False,
        "fit-1": False,
        "fit-2": False,
        "fit-3": False,
        "report": False,
    }
    assert (tmp_path / "output" / "report.txt").read_text().startswith("fit-0=24\n")


def test_bundle_runs_step_by_step_in_empty_folders(tmp_path):
    from notebook_ops.bundle import export_notebook
    from notebook_ops.model import load_pipeline

    path = ploomber_project(tmp_path / "proj")
    r = export_notebook(path, out_dir=tmp_path / "dist", track=False, tag=False, allow_dirty=True)
    data = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    for step in load_pipeline(path).step_names:
        task = tmp_path / "tasks" / step
        task.mkdir(parents=True)
        out = subprocess.run(
            [sys.executable, "-m", "notebook_ops", "run-step", str(r.archive), step, "--data", str(data)],
            cwd=task,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert out.returncode == 0, step + out.stdout[-2000:] + out.stderr[-2000:]
    # the step's files in the store, by their path in the project (quoted)
    assert (data / "report" / "_files" / "output%2Freport.txt").read_text() == expected_report()
    # the nb products: a record of the run, not handed on (the store has the executed notebook)
    import json

    assert set(json.loads((data / "clean" / "_files.json").read_text())) == {"output/clean.csv"}
    assert (data / "clean" / "_notebook.ipynb").is_file()
    # run as a whole, the bundle writes them in its workspace, where the kernels write products
    from notebook_ops.bundle.run import run_bundle

    result = run_bundle(r.archive, cwd=tmp_path / "whole", track=False, jobs=2)
    assert result.ok, result.record["error"]
    work = Path(result.run_dir) / "work"
    assert (work / "output" / "report.txt").read_text() == expected_report()
    for step in ("clean", "fit-2"):
        written = work / "output" / f"{step}.ipynb"
        assert written.read_bytes() == Path(result.record["steps"][step]["notebook"]).read_bytes()
    assert not (work / "output" / "features.ipynb").exists()
