"""Fixtures for bundle tests: small real notebooks, real git repositories in tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundlekit import SETTINGS, SMALL, commit_all, init_repo
from nbfactory import make_notebook, write_notebook


@pytest.fixture(scope="session")
def prove_cache(request) -> Path:
    """The clean envs ``notebook-ops prove`` builds, kept across sessions (pytest's cache)."""
    return Path(request.config.cache.mkdir("notebook-ops-prove-envs"))


@pytest.fixture
def small_notebook(tmp_path):
    """A small notebook in a plain folder (no git)."""
    folder = tmp_path / "plain"
    folder.mkdir()
    return write_notebook(folder / "small.ipynb", make_notebook(SMALL, SETTINGS))


@pytest.fixture
def repo_notebook(tmp_path):
    """The small notebook committed in a fresh git repository; .gitignore ignores dist/."""
    folder = tmp_path / "repo"
    folder.mkdir()
    init_repo(folder)
    (folder / ".gitignore").write_text("dist/\n")
    nb = write_notebook(folder / "small.ipynb", make_notebook(SMALL, SETTINGS))
    commit_all(folder, "first")
    return nb


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    """Keep caches and tracking stores inside the test's folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
