"""Fixtures for execution tests: notebooks written to temporary folders (git repositories: ``git_repo``
in tests/conftest.py)."""

from __future__ import annotations

import pytest

from nbfactory import sha, write_nb  # noqa: F401 - tests here import them from conftest


@pytest.fixture(autouse=True)
def _no_global_mlflow(monkeypatch):
    """Tests use their own stores: never the developer's MLFLOW_TRACKING_URI."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
