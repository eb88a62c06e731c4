"""Projects brought as they are (issue 24) export bundles that are proven: a Ploomber project and
a numbered folder of notebooks, each run, exported and proven with ``notebook-ops prove`` (a
clean env from the bundle's requirements, every step as run-step in its own folder), every step
equal to the source run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from folderkit import numbered_folder
from ploomberkit import ploomber_project

from bundlekit import ok, prove_cli


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
    run = json.loads(ok(prove_cli(tmp_path, prove_cache, "run", source, "--no-track", "--json")).stdout)
    export = ("export", source, "--no-mlflow", "--allow-dirty", "--json")
    exp = json.loads(ok(prove_cli(tmp_path, prove_cache, *export)).stdout)
    folder = tmp_path / exp["folder"] if not Path(exp["folder"]).is_absolute() else Path(exp["folder"])
    runs = next(tmp_path.glob(f"*/.notebook_ops/runs/{run['run_id']}"))
    # a pipeline file's source run is found by itself (runs record the hash of all its sources)
    given = ["--source-run", str(runs)] if kind == "folder" else []
    out = ok(prove_cli(tmp_path, prove_cache, "prove", str(folder), *given, "--json"))
    record = json.loads(out.stdout)
    assert record["proven"] is True and record["source_run"] == run["run_id"], record["summary"]
    assert record["steps"] and all(s["status"] == "equal" for s in record["steps"].values()), record["steps"]
    # files were compared, not only run: the hand-offs between steps are equal to the source run's
    compared = [c for s in record["steps"].values() for c in s["compared"]]
    assert any(c["result"] == "equal" for c in compared), compared
