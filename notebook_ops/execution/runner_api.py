"""The runner's public entry points: ``run_notebook``, ``run_pipeline`` and the ``RunResult``
they return (see the package docstring); the run itself is ``orchestrate.PipelineRun``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.model import parameters as params_mod
from notebook_ops.model.contracts.runs import EXIT_CODES
from notebook_ops.model.pipeline import Pipeline


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    status: str
    record: dict

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def run_notebook(path, *, params=None, params_file=None, **kw) -> RunResult:
    """Load the notebook at ``path`` and run it (see ``run_pipeline`` for the options)."""
    from notebook_ops.events.publish import with_settings_problems
    from notebook_ops.model import load_pipeline

    pipeline = with_settings_problems(load_pipeline(path))
    merged = {}
    if params_file:
        merged.update(params_mod.read_params_file(params_file))
    merged.update(params or {})
    return run_pipeline(pipeline, params=merged, **kw)


def run_pipeline(
    pipeline: Pipeline,
    *,
    params=None,
    run_dir=None,
    step_notebooks=None,
    tags=None,
    mode="pipeline",
    steps=None,
    from_step=None,
    jobs=None,
    cache=True,
    single_kernel=False,
    resume=None,
    data_url=None,
    track=True,
    cwd=None,
    progress=None,
    cancel: threading.Event | None = None,
    events=(),
    kernel_cwd=None,
    kernels=None,
    cluster=None,
) -> RunResult:
    from notebook_ops.execution.orchestrate import PipelineRun

    run = PipelineRun(
        pipeline,
        params=params,
        run_dir=run_dir,
        step_notebooks=step_notebooks,
        tags=tags,
        mode=mode,
        steps=steps,
        from_step=from_step,
        jobs=jobs,
        cache=cache,
        single_kernel=single_kernel,
        resume=resume,
        data_url=data_url,
        track=track,
        cwd=cwd,
        progress=progress,
        cancel=cancel,
        events=events,
        kernel_cwd=kernel_cwd,
        kernels=kernels,
        cluster=cluster,
    )
    return run.run()
