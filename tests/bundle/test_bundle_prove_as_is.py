"""Projects brought as they are (issue 24) export bundles that are proven: a Ploomber project and
a numbered folder of notebooks, each run, exported and proven with ``notebook-ops prove`` (a
clean env from the bundle's requirements, every step as run-step in its own folder), every step
equal to the source run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from folderkit import numbered_folder
from ploomberkit import ploomber_project

from bundlekit import ORIGINAL_ENV
from nbfactory import ROOT


@pytest.fixture(scope="session")
def prove_cache(request) -> Path:
    return Path(request.config.cache.mkdir("notebook-ops-prove-envs"))


def _cache(tool: str) -> str:
    base = ORIGINAL_ENV.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, tool)


def cli(cwd: Path, prove_cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in ORIGINAL_ENV.items() if not k.startswith("PYTEST") and k != "MLFLOW_TRACKING_URI"}
    env.update(
        PYTHONPATH=str(ROOT),
        XDG_CACHE_HOME=str(cwd / ".cache"),
        NOTEBOOK_OPS_PROVE_CACHE=str(prove_cache),
        UV_CACHE_DIR=ORIGINAL_ENV.get("UV_CACHE_DIR") or _cache("uv"),
        PIP_CACHE_DIR=ORIGINAL_ENV.get("PIP_CACHE_DIR") or _cache("pip"),
    )
    env.pop("SOURCE_DATE_EPOCH", None)
    out = subprocess.run(
        [sys.executable, "-m", "notebook_ops", *args], cwd=cwd, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("kind", ["ploomber", "folder"])
def test_exported_and_proven(kind, tmp_path, prove_cache):
    if kind == "ploomber":
        ploomber_project(tmp_path / "ml-basic")
        source = "ml-basic/pipeline.yaml"
    else:
        numbered_folder(tmp_path / "analysis")
        source = "analysis"
    run = json.loads(cli(tmp_path, prove_cache, "run", source, "--no-track", "--json").stdout)
    exp = json.loads(
        cli(tmp_path, prove_cache, "export", source, "--no-mlflow", "--allow-dirty", "--json").stdout
    )
    folder = tmp_path / exp["folder"] if not Path(exp["folder"]).is_absolute() else Path(exp["folder"])
    runs = next(tmp_path.glob(f"*/.notebook_ops/runs/{run['run_id']}"))
    # a pipeline file's source run is found by itself (runs record the hash of all its sources)
    given = ["--source-run", str(runs)] if kind == "folder" else []
    out = cli(tmp_path, prove_cache, "prove", str(folder), *given, "--json")
    record = json.loads(out.stdout)
    assert record["proven"] is True and record["source_run"] == run["run_id"], record["summary"]
    assert record["steps"] and all(s["status"] == "equal" for s in record["steps"].values()), record["steps"]
    # files were compared, not only run: the hand-offs between steps are equal to the source run's
    compared = [c for s in record["steps"].values() for c in s["compared"]]
    assert any(c["result"] == "equal" for c in compared), compared
