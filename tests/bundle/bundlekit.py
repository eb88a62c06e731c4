"""Helpers for the bundle tests (a unique module name: every test folder has a conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nbfactory import ROOT

# The environment as the test session started, before fixtures point caches at tmp folders
# (pip in a test venv should use the machine's wheel cache and index settings).
ORIGINAL_ENV = dict(os.environ)


def _machine_cache(tool: str) -> str:
    base = ORIGINAL_ENV.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, tool)


def prove_cli(cwd: Path, prove_cache: Path, *args: str) -> subprocess.CompletedProcess:
    """``notebook-ops ARGS`` as a user types it, from this checkout (PYTHONPATH), with the
    proofs' envs in ``prove_cache`` (the conftest's fixture) and the machine's uv/pip caches."""
    env = {k: v for k, v in ORIGINAL_ENV.items() if not k.startswith("PYTEST") and k != "MLFLOW_TRACKING_URI"}
    env.update(
        PYTHONPATH=str(ROOT),
        XDG_CACHE_HOME=str(cwd / ".cache"),
        NOTEBOOK_OPS_PROVE_CACHE=str(prove_cache),
        UV_CACHE_DIR=ORIGINAL_ENV.get("UV_CACHE_DIR") or _machine_cache("uv"),
        PIP_CACHE_DIR=ORIGINAL_ENV.get("PIP_CACHE_DIR") or _machine_cache("pip"),
    )
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run(
        [sys.executable, "-m", "notebook_ops", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def ok(out: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


SMALL = [
    ("# Small pipeline\nUsed by the bundle tests.", [], "markdown"),
    ("rows = 5  # how many rows\nlabel = 'demo'  # a label", ["parameters"]),
    ("import json\nimport yaml\n%matplotlib inline", ["setup"]),
    ("data = [{'i': i, 'label': label} for i in range(rows)]", ["step:make"]),
    ("data", ["skip"]),
    ("text = yaml.safe_dump(data)\ncount = len(data)", ["step:dump"]),
    ("print(count, json.dumps(text)[:20])", ["step:report"]),
]
SETTINGS = {
    "notebook_ops": {
        "name": "small",
        "owner": "ops@example.com",
        "objective": "Exercise the bundle writer.",
        "metric_targets": {"count": ">= 1"},
        "steps": {"dump": {"retries": 2, "resources": {"cpu": 1}}},
    }
}


def git(cwd, *args) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def init_repo(path):
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "Dev")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "config", "tag.gpgsign", "false")


def commit_all(path, message="work") -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD")


def small_cells(**changes):
    cells = list(SMALL)
    for index, source in changes.items():
        i = int(index.lstrip("c"))
        cells[i] = (source,) + tuple(cells[i][1:])
    return cells
