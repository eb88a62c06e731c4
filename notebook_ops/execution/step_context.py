"""What one step's kernel is given, built once per step in one place.

A kernel learns where it is through papermill parameters (the ``_nbo_*`` plumbing that
``kernel_side.step`` reads: data store, run id, step, mode, run folder) and through its
environment (secret parameters, never injected). ``notebook-ops run`` (every executor),
``run-step`` (an orchestrator's task) and a Dask task build those the same way: here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from notebook_ops.model.secrets import env_name, scrub_values


def plumbing_parameters(*, data_url: str, run_id: str, step: str, mode: str, run_dir: str) -> dict[str, str]:
    """The ``_nbo_*`` parameters (``run_dir`` "": no run folder on the kernel's machine)."""
    return {
        "_nbo_data_url": data_url,
        "_nbo_run_id": run_id,
        "_nbo_step": step,
        "_nbo_mode": mode,
        "_nbo_run_dir": run_dir,
    }


def secret_env(secrets: Mapping[str, Any]) -> dict[str, str]:
    """The kernel environment that carries secret parameters (``NOTEBOOK_OPS_SECRET_<NAME>``)."""
    return {env_name(n): v if isinstance(v, str) else json.dumps(v) for n, v in secrets.items()}


@dataclass(frozen=True)
class StepContext:
    """One step as an executor runs it: its notebook, the parameters papermill injects, where
    the executed notebook and the log go, and what the kernel's environment and logs carry."""

    step: str
    notebook: dict
    parameters: Mapping[str, Any]  # the user's (no secret) + the _nbo_* plumbing
    out_path: Path
    log_path: Path
    timeout: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # secret parameters, the MLflow store
    scrub: tuple[str, ...] = ()  # texts masked in the executed notebook and the logs
    cwd: Path | None = None

    @classmethod
    def build(
        cls,
        step: str,
        notebook: dict,
        *,
        values: Mapping[str, Any],
        secrets: Mapping[str, Any],
        data_url: str,
        run_id: str,
        mode: str,
        run_dir: str,
        out_path,
        log_path,
        timeout=None,
        cwd=None,
        env: Mapping[str, str] | None = None,
    ) -> StepContext:
        """``values``: the parameters the kernel may see (no secret among them); ``secrets``:
        name -> value, passed through the environment only; ``env``: more of the kernel's
        environment (the run's MLflow store)."""
        return cls(
            step=step,
            notebook=notebook,
            parameters={
                **values,
                **plumbing_parameters(
                    data_url=data_url, run_id=run_id, step=step, mode=mode, run_dir=run_dir
                ),
            },
            out_path=Path(out_path),
            log_path=Path(log_path),
            timeout=float(timeout) if timeout else None,
            env={**secret_env(secrets), **(env or {})},
            scrub=tuple(scrub_values(secrets.values())),
            cwd=Path(cwd) if cwd else None,
        )

    def elsewhere(self) -> StepContext:
        """The context for a kernel on another machine (a Dask worker): no run folder there."""
        return replace(self, parameters={**self.parameters, "_nbo_run_dir": ""})
