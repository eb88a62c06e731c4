"""Fixtures for kernel-side tests: the runner's tests' rule, tests use their own MLflow stores."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_global_mlflow(monkeypatch):
    """Tests use their own stores: never the developer's MLFLOW_TRACKING_URI."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
