"""A run's options, read and checked once: ``run_pipeline``'s keyword arguments together with the
notebook's settings (kernels, cluster, data store), as one frozen ``RunConfig``.

Everything below the entry point reads these fields; nothing asks ``opts.get(...)`` again and
nothing re-derives which way the steps run: ``RunConfig.executor`` names it once (the key of
``executors.EXECUTORS``). Bad combinations are bad input (``ParameterError``, exit 2) raised here,
before anything starts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notebook_ops.errors import ParameterError
from notebook_ops.execution.cluster import cluster_address
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.settings import KERNELS, kernels_mode

MODES = ("pipeline", "bundle")


def _base_dir(pipeline: Pipeline) -> Path:
    return Path(pipeline.path).resolve().parent if pipeline.path else Path.cwd()


def select_steps(pipeline: Pipeline, steps, from_step) -> tuple[str, ...]:
    """The steps asked for (``--steps a,b`` / ``--from STEP``), in the pipeline's order."""
    names = pipeline.step_names
    if isinstance(steps, str):
        steps = [s.strip() for s in steps.split(",") if s.strip()]
    for n in list(steps or []) + ([from_step] if from_step else []):
        if n not in names:
            raise ParameterError(f"unknown step {n!r}", hint=f"steps: {', '.join(names)}")
    if from_step:
        chosen = {from_step} | pipeline.downstream(from_step)
        if steps:
            chosen &= set(steps)
    elif steps:
        chosen = set(steps)
    else:
        chosen = set(names)
    return tuple(n for n in names if n in chosen)


@dataclass(frozen=True)
class RunConfig:
    """What ``run_pipeline`` was asked, resolved against the notebook's settings."""

    base: Path  # where .notebook_ops/ (runs, cache, MLflow) goes
    kernel_cwd: Path  # the kernels' working folder (the base, or a bundle's workspace)
    selected: tuple[str, ...]
    jobs: int
    cache: bool
    executor: str  # "fork" | "fresh" | "single_kernel" | "cluster": how the steps run
    kernels: str  # "fork" | "fresh": what the record shows (a single kernel starts fresh)
    cluster: str | None  # the Dask scheduler's address
    data_url: str | None  # None: the run folder's data/
    mode: str
    params: Mapping[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None
    step_notebooks: Mapping[str, dict] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    resume: str | None = None
    track: Any = True  # True / "thread" / "process" / False (tracking.outbox.mode_of)
    progress: Callable[[dict], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    events: tuple[str, ...] = ()

    @property
    def single_kernel(self) -> bool:
        return self.executor == "single_kernel"

    @classmethod
    def resolve(
        cls,
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
    ) -> RunConfig:
        """The options of one run (see ``execution.run_pipeline``); ParameterError for bad ones."""
        settings = pipeline.settings or {}
        base = Path(cwd).resolve() if cwd else _base_dir(pipeline)
        selected = select_steps(pipeline, steps, from_step)
        address = cluster_address(cluster, settings)
        if address and single_kernel:
            raise ParameterError("--cluster runs each step as a task: it cannot run in a single kernel")
        # on a cluster, Dask queues the tasks: every step that can start is submitted
        jobs = jobs or (len(selected) if address else os.cpu_count()) or 1
        if not isinstance(jobs, int) or jobs < 1:
            raise ParameterError(f"--jobs must be a positive integer, got {jobs!r}")
        mode_of_kernels = kernels_mode(settings, kernels)
        if mode_of_kernels not in KERNELS:
            raise ParameterError(f"kernels must be fork or fresh, got {mode_of_kernels!r}")
        if mode not in MODES:
            raise ParameterError(f"mode must be pipeline or bundle, got {mode!r}")
        executor = "cluster" if address else "single_kernel" if single_kernel else mode_of_kernels
        return cls(
            base=base,
            kernel_cwd=Path(kernel_cwd).resolve() if kernel_cwd else base,
            selected=selected,
            jobs=jobs,
            cache=bool(cache),
            executor=executor,
            kernels=mode_of_kernels,
            cluster=address,
            # --data-url, else the notebook's data_url setting, else the run folder's data/
            data_url=data_url or settings.get("data_url"),
            mode=mode,
            params=dict(params or {}),
            run_dir=Path(run_dir) if run_dir else None,
            step_notebooks=dict(step_notebooks) if step_notebooks is not None else None,
            tags=dict(tags or {}),
            resume=resume,
            track=track,
            progress=progress,
            cancel=cancel or threading.Event(),
            events=tuple(events or ()),
        )
