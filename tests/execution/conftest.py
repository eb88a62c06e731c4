"""Fixtures for runner tests: notebooks written to temporary folders, real git repositories."""

from __future__ import annotations


import pytest

from nbfactory import sha, write_nb  # noqa: F401 - tests here import them from conftest


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
