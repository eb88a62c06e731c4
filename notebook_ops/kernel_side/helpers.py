"""Kernel helpers: ``nbo.log_metric``, ``nbo.log_artifact``, ``nbo.context()``.

In a pipeline or bundle run the step notebook's plumbing cell sets the context; metrics and
artifacts are written beside the step's outputs in the data store and the runner (outside the
kernel) sends them to MLflow, so a kernel never imports MLflow. Interactively (no run) they are
kept in this session only and can be read back with ``nbo.context().metrics``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from notebook_ops.kernel_side.data_store import ARTIFACTS, METRICS

MODES = ("interactive", "pipeline", "bundle")


@dataclass
class Context:
    mode: str = "interactive"
    run_id: str | None = None
    step: str | None = None
    run_dir: str | None = None
    data_url: str | None = None
    metrics: list = field(default_factory=list)  # [{"name", "value", "step", "run_step"}]
    artifacts: list = field(default_factory=list)  # [{"path", "stored", "run_step"}]

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "run_id": self.run_id,
            "step": self.step,
            "run_dir": self.run_dir,
            "data_url": self.data_url,
        }


_CTX = Context()
_STORE = None


def context() -> Context:
    """Where this code runs: mode (interactive / pipeline / bundle), run id, step, run folder."""
    return _CTX


def configure(
    *, mode: str, run_id: str | None, step: str | None, run_dir: str | None, data_url: str | None, store
) -> None:
    """Set the context and data store (the step notebook's plumbing calls this)."""
    global _CTX, _STORE
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    _CTX = Context(
        mode=mode,
        run_id=run_id or None,
        step=step or None,
        run_dir=run_dir or None,
        data_url=data_url or None,
    )
    _STORE = store


def set_step(step: str | None) -> None:
    _CTX.step = step


def current_store():
    """The data store ``configure`` set, or None outside a pipeline step."""
    return _STORE


def _persist(kind: str) -> None:
    """Rewrite this step's record file (small; rewriting works on any fsspec store)."""
    if _STORE is None or not _CTX.step:
        return

    if kind == "metrics":
        rows = [m for m in _CTX.metrics if m["run_step"] == _CTX.step]
        _STORE.write_json((_CTX.step, METRICS), rows)


def log_metric(name: str, value, step: int | None = None) -> float:
    """Record a metric (name, number, optional training step). Returns the value as float."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("metric name must be a non-empty string")
    if isinstance(value, bool):
        value = float(value)
    try:
        fvalue = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}") from None
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        raise TypeError("metric step must be an int")
    _CTX.metrics.append(
        {
            "name": name,
            "value": fvalue if math.isfinite(fvalue) else str(fvalue),
            "step": step,
            "run_step": _CTX.step,
        }
    )
    _persist("metrics")
    return fvalue


def log_artifact(path) -> str:
    """Record a file produced by the code (a plot, a model file). In a run it is copied beside
    the step's outputs and ends up in the run's MLflow record. Returns where it was stored."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise FileNotFoundError(f"log_artifact: no such file {p!r}")
    stored = os.path.abspath(p)
    if _STORE is not None and _CTX.step:
        with open(p, "rb") as f:
            data = f.read()
        name = os.path.basename(p)
        _STORE.write_bytes((_CTX.step, ARTIFACTS, name), data)
        stored = _STORE.path(_CTX.step, ARTIFACTS, name)
    _CTX.artifacts.append({"path": os.path.abspath(p), "stored": stored, "run_step": _CTX.step})
    return stored
