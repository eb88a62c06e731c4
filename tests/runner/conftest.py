"""Fixtures for runner tests: notebooks written to temporary folders, real git repositories."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from nbfactory import make_notebook


def write_nb(folder: Path, name: str, cells, metadata=None) -> Path:
    path = Path(folder) / name
    path.write_text(json.dumps(make_notebook(cells, metadata), indent=1) + "\n")
    return path


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _no_global_mlflow(monkeypatch):
    """Tests use their own stores: never the developer's MLFLOW_TRACKING_URI."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def git_repo(tmp_path):
    import git

    repo = git.Repo.init(tmp_path / "repo", initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    yield repo
    repo.close()
