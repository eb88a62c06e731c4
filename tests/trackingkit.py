"""Helpers for tests that read MLflow (a unique module name: every test folder has a conftest)."""

from __future__ import annotations

from notebook_ops.tracking.mlflow_tracker import USAGE_METRICS


def own(metrics: dict) -> dict:
    """The metrics the steps logged, without the cost beside them (cpu_s, peak_mem_mb)."""
    return {k: v for k, v in metrics.items() if k not in USAGE_METRICS}
