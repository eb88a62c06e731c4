"""``notebook-ops prove`` / ``export --prove``: a bundle run in a clean env from its own
requirements, step by step as orchestrators run it, compared with the run it came from.

Real everything: the notebooks run in real kernels, the clean envs are real venvs (uv here),
each step is a ``run-step`` process in its own empty folder. The envs are cached for the whole
session (``NOTEBOOK_OPS_PROVE_CACHE`` under pytest's cache folder), as a re-proof would use them.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

import proveprojects as projects
from bundlekit import ok, prove_cli
from nbfactory import EXAMPLES

slow = [pytest.mark.slow, pytest.mark.timeout(1800)]


def run_and_export(nb: Path, prove_cache: Path) -> tuple[str, Path]:
    """Run the notebook (the source run), export it; (run id, bundle folder)."""
    run = ok(prove_cli(nb.parent, prove_cache, "run", nb.name, "--no-track", "--json"))
    run_id = json.loads(run.stdout)["run_id"]
    exp = ok(prove_cli(nb.parent, prove_cache, "export", nb.name, "--no-mlflow", "--json"))
    return run_id, nb.parent / json.loads(exp.stdout)["folder"]


# --- the example: export --prove, verify, a re-proof from the cache, a proof that must fail ---
@pytest.fixture(scope="module")
def churn(tmp_path_factory, prove_cache):
    author = tmp_path_factory.mktemp("prove-churn")  # as in README: the notebook in examples/
    (author / "examples").mkdir()
    shutil.copy(EXAMPLES / "churn.ipynb", author / "examples" / "churn.ipynb")
    run = ok(prove_cli(author, prove_cache, "run", "examples/churn.ipynb", "--no-track", "--json"))
    return author, json.loads(run.stdout)["run_id"]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_export_prove_compares_every_step_with_the_source_run(churn, prove_cache):
    author, run_id = churn
    out = ok(prove_cli(author, prove_cache, "export", "examples/churn.ipynb", "--no-mlflow", "--prove"))
    assert f"5/5 steps equal to run {run_id}" in out.stdout
    assert "[5/5] run-step evaluate" in out.stderr  # progress, step by step
    proof = author / "dist" / "churn-v1.proof.json"
    record = json.loads(proof.read_text())
    assert record["proven"] is True and record["source_run"] == run_id
    assert record["bundle"] == "churn" and record["version"] == 1
    assert set(record["steps"]) == {"load", "features", "train_linear", "train_tree", "evaluate"}
    evaluate = record["steps"]["evaluate"]
    assert evaluate["status"] == "equal"
    assert {c["name"] for c in evaluate["compared"] if c["kind"] == "metric"} == {
        "accuracy",
        "linear_accuracy",
        "tree_accuracy",
    }
    assert any(c["name"] == "customers" for c in record["steps"]["load"]["compared"])
    # beside the bundle, not in it: the bundle still verifies, and verify reports the proof
    assert not (author / "dist" / "churn-v1" / "churn-v1.proof.json").exists()
    for target in ("dist/churn-v1", "dist/churn-v1.tar.gz"):
        verify = ok(prove_cli(author, prove_cache, "verify", target)).stdout
        line = next(ln for ln in verify.splitlines() if "proven" in ln)
        assert f"Python {record['python']}" in line and "5/5 steps equal" in line
        assert record["date"][:10] in line and record["platform"] in line
    # a re-proof of the same requirements takes the cached env
    again = json.loads(ok(prove_cli(author, prove_cache, "prove", "dist/churn-v1.tar.gz", "--json")).stdout)
    assert again["env_cached"] is True and again["env_build_s"] == 0 and again["proven"] is True


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_module_missing_from_requirements_fails_the_proof_naming_it(churn, prove_cache, tmp_path):
    author, _ = churn
    ok(prove_cli(author, prove_cache, "export", "examples/churn.ipynb", "--no-mlflow"))
    variant = tmp_path / "handed" / "churn-v1"  # the folder alone, its requirements edited
    shutil.copytree(author / "dist" / "churn-v1", variant)
    req = variant / "requirements.txt"
    req.write_text("".join(ln for ln in req.read_text().splitlines(True) if not ln.startswith("pandas==")))
    import hashlib

    sums = variant / "SHA256SUMS"
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    sums.write_text(
        "".join(
            f"{digest}  requirements.txt\n" if ln.endswith("  requirements.txt\n") else ln
            for ln in sums.read_text().splitlines(True)
        )
    )
    ok(prove_cli(tmp_path, prove_cache, "verify", str(variant)))
    out = prove_cli(author, prove_cache, "prove", str(variant))
    assert out.returncode == 1, out.stdout + out.stderr
    error = [ln for ln in out.stderr.splitlines() if ln.startswith("error:")]
    assert len(error) == 1 and "Traceback" not in out.stderr
    assert "step load: module 'pandas' is not in requirements.txt (imported in notebook cell" in error[0]
    assert "install pandas in the notebook's environment and export again" in error[0]
    record = json.loads((variant.parent / "churn-v1.proof.json").read_text())
    assert record["proven"] is False and record["steps"]["load"]["status"] == "failed"
    assert record["steps"]["evaluate"]["status"] == "not_run"
    verify = ok(prove_cli(tmp_path, prove_cache, "verify", str(variant))).stdout
    assert "not proven: step load: module 'pandas'" in verify


# --- the done-when projects ------------------------------------------------------------------
# (maker, metric checked in the proof). Those marked "waits for" need another helper's part of
# issue 23 (listed in the report): they fail on this branch alone until the lead merges it.
PROJECTS = {
    "pandas-chain": projects.make_pandas_chain,
    "sqlite-six": projects.make_sqlite_six,  # waits for the SQLite/CSV hand-off (part 2)
    "percent-run": projects.make_percent_run,  # waits for %run composition (part 2)
    "xgboost-dmatrix": projects.make_xgboost_dmatrix,  # waits for the DMatrix serialiser (part 3)
    "pip-line": projects.make_pip_line,  # waits for pip lines parsed like pip (part 2)
    "data-url": projects.make_data_url_param,  # waits for prefixed own names in targets (part 5)
    "gpu-limits": projects.make_gpu_limits,  # waits for Kale's GPU limits (part 5)
}


def _gpu_limits_in_targets(folder: Path) -> None:
    import yaml

    for target in ("argo/workflow.yaml", "k8s/job.yaml"):
        text = (folder / "targets" / target).read_text()
        limits = [
            c["resources"]["limits"]
            for doc in yaml.safe_load_all(text)
            for c in _containers(doc)
            if (c.get("resources") or {}).get("limits")
        ]
        assert limits and all(lim.get("nvidia.com/gpu") in (2, "2") for lim in limits), (target, limits)


def _containers(node):
    if isinstance(node, dict):
        if "image" in node and "resources" in node:
            yield node
        for v in node.values():
            yield from _containers(v)
    elif isinstance(node, list):
        for v in node:
            yield from _containers(v)


def _pip_line_read_like_pip(folder: Path) -> None:
    lines = [ln.split("==")[0] for ln in (folder / "requirements.txt").read_text().splitlines()]
    assert "pandas" in lines
    assert not {">", "/dev/null", "2>&1", "install"} & set(lines)


# what each project's bundle must also show, beyond the proof
EXTRA_CHECKS = {"gpu-limits": _gpu_limits_in_targets, "pip-line": _pip_line_read_like_pip}


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_project_exports_and_is_proven(name, tmp_path, prove_cache):
    nb = PROJECTS[name](tmp_path / name)
    run_id, folder = run_and_export(nb, prove_cache)
    source = json.loads(next((nb.parent / ".notebook_ops" / "runs").glob(f"{run_id}/run.json")).read_text())
    out = ok(prove_cli(nb.parent, prove_cache, "prove", str(folder), "--json"))
    record = json.loads(out.stdout)
    assert record["proven"] is True and record["source_run"] == run_id, record["summary"]
    assert all(s["status"] == "equal" for s in record["steps"].values()), record["steps"]
    # run-step in separate folders gave the local run's metrics, step by step
    proved = {
        c["name"]: step
        for step, s in record["steps"].items()
        for c in s["compared"]
        if c["kind"] == "metric" and c["result"] == "equal"
    }
    assert set(source["metrics"]) and set(source["metrics"]) <= set(proved)
    if name in EXTRA_CHECKS:
        EXTRA_CHECKS[name](folder)
    # and the whole bundle, run from an empty folder in the proof's env, gives the local metrics
    assert run_in_proof_env(folder, prove_cache, tmp_path / "ops") == pytest.approx(source["metrics"])


def run_in_proof_env(folder: Path, prove_cache: Path, work: Path) -> dict:
    """``notebook-ops run ARCHIVE`` in an empty folder with the env the proof built (no
    PYTHONPATH: only the bundle's requirements); returns the run's metrics."""
    from notebook_ops.bundle.proofenv import child_env, env_key

    env = prove_cache / f"{env_key(folder, platform.python_version())}-uv"
    work.mkdir()
    shutil.copy(folder.with_name(folder.name + ".tar.gz"), work)
    out = subprocess.run(
        [
            str(env / "bin" / "python"),
            "-m",
            "notebook_ops",
            "run",
            f"{folder.name}.tar.gz",
            "--no-track",
            "--json",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env={**child_env(env / "bin"), "XDG_CACHE_HOME": str(work / ".cache")},
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(out.stdout)["metrics"]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_without_a_source_run_the_proof_runs_every_step_and_says_so(tmp_path, prove_cache):
    nb = projects.make_pandas_chain(tmp_path / "fresh")
    exp = ok(prove_cli(nb.parent, prove_cache, "export", nb.name, "--no-mlflow", "--json"))
    folder = nb.parent / json.loads(exp.stdout)["folder"]
    out = ok(prove_cli(nb.parent, prove_cache, "prove", str(folder)))
    assert "no source run to compare with" in out.stdout
    record = json.loads(folder.with_name(folder.name + ".proof.json").read_text())
    assert record["source_run"] is None and {s["status"] for s in record["steps"].values()} == {"ran"}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_unseeded_randomness_is_named_as_such(tmp_path, prove_cache):
    nb = projects.make_unseeded(tmp_path / "noisy")
    _, folder = run_and_export(nb, prove_cache)
    out = prove_cli(nb.parent, prove_cache, "prove", str(folder))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "step draw: output 'noise' differs from run to run: unseeded randomness" in out.stderr
    record = json.loads(folder.with_name(folder.name + ".proof.json").read_text())
    assert record["steps"]["draw"]["status"] == "unseeded"
    assert record["steps"]["report"]["status"] == "differs"  # its input differs, named as such
    assert "inputs differ (from step draw)" in record["steps"]["report"]["problem"]
