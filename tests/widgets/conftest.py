"""Widget panel fixtures: the example notebook committed in a real git repository in a tmp folder."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from nbfactory import EXAMPLES


def _git(cwd, *args) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    """Stores and caches in the test's folder, never the developer's."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def churn_repo(tmp_path):
    """examples/churn.ipynb committed in a fresh git repository (dist/ and run state ignored)."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    for k, v in (
        ("user.email", "dev@example.com"),
        ("user.name", "Dev"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        _git(root, "config", k, v)
    (root / ".gitignore").write_text("dist/\n.notebook_ops/\n")
    shutil.copy(EXAMPLES / "churn.ipynb", root / "churn.ipynb")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "example")
    return root / "churn.ipynb"


def git_out(cwd, *args) -> str:
    return _git(cwd, *args)
