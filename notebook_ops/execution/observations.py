"""What earlier runs observed a pipeline's steps doing, for export and lint.

Observation itself happens in the step's kernel (``notebook_ops.kernel_side.observe``) and lands in
``run.json`` (``StepRecord.observed``). This module reads it back: the latest successful run of
the same code, per step, so export can pin what was really imported and carry what was really
touched, and say when there was no such run ("static analysis only: run once so export can
observe").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from importlib import metadata

from notebook_ops.execution.runfolder import runs_root
from notebook_ops.model.contracts.runs import Observed, RunRecord
from notebook_ops.model.files import step_imports, step_paths
from notebook_ops.model.pipeline import Problem
from notebook_ops.util import pins


@dataclass
class Observation:
    """The newest observation of each step whose code is unchanged since it ran."""

    run_id: str | None = None  # the newest run contributing (None: none)
    finished_at: str | None = None
    steps: dict[str, Observed] = field(default_factory=dict)  # step -> what it did
    missing: list[str] = field(default_factory=list)  # steps with no observation of this code


def step_code_sha256(pipeline, step: str) -> str:
    """The fingerprint of the code ``step`` runs: the sources of its setup and own code cells,
    in notebook order (of the notebook that holds it, for a pipeline across notebooks). What
    ``Observed.code_sha256`` is compared with: same code, same fingerprint. Not the parameters
    cell: its defaults are values, as ``-p`` ones are (the step notebooks carry this fingerprint,
    so with the cell in it a new default made every step's cache key change, not only the keys
    of the steps that read that parameter)."""
    part = pipeline.part(step)
    own = set(part.step(step).cells)
    wanted = set(part.setup_cells) | own
    h = hashlib.sha256()
    for cell in _cells_at(part.cells, wanted):
        if cell.cell_type == "code":
            h.update(cell.source.encode())
            h.update(b"\0")
    return h.hexdigest()


def _cells_at(cells, indexes: set[int]) -> list:
    """The cells at ``indexes``, in notebook order: looked up by position (a pipeline's cells are
    its notebook's, ``cells[i].index == i``), so a step costs its own cells, not the notebook's."""
    order = sorted(indexes)
    picked = [cells[i] for i in order if 0 <= i < len(cells)]
    if len(picked) == len(order) and all(c.index == i for c, i in zip(picked, order, strict=True)):
        return picked
    return [c for c in cells if c.index in indexes]  # cells not at their position: scan them all


STATIC_ONLY = "static analysis only: run once so export can observe"


def observation_note(observation: Observation) -> str | None:
    """What export says when steps have no observation of their current code (None: all do)."""
    if not observation.missing:
        return None
    if not observation.steps:
        return STATIC_ONLY
    return f"steps {', '.join(observation.missing)}: {STATIC_ONLY} (their code changed since it last ran)"


RUNS_EXAMINED = 50  # run folders read, newest first, before giving up on a step


def latest_observation(pipeline, notebook_path, *, limit: int = RUNS_EXAMINED) -> Observation:
    """Per step, the observation of the latest successful run of the same code (by
    ``step_code_sha256``), searched in the notebook's run folders, newest first (only their
    ``run.json``; at most ``limit`` runs)."""

    wanted = {s: step_code_sha256(pipeline, s) for s in pipeline.step_names}
    found: dict[str, Observed] = {}
    newest: tuple[str, str | None] | None = None
    root = runs_root(notebook_path) if notebook_path else None
    folders = []
    if root is not None and root.is_dir():
        folders = sorted((d for d in root.iterdir() if d.is_dir()), key=lambda d: d.name, reverse=True)
    for folder in folders[:limit]:
        if len(found) == len(wanted):
            break
        record = RunRecord.read(folder)
        if record is None:
            continue
        for name, code in wanted.items():
            step = record.steps.get(name)
            if name in found or step is None or step.status != "succeeded" or step.observed is None:
                continue
            if step.observed.code_sha256 != code:
                continue
            found[name] = step.observed
            if newest is None:
                newest = (record.run_id, record.finished_at)
    return Observation(
        run_id=newest[0] if newest else None,
        finished_at=newest[1] if newest else None,
        steps={n: found[n] for n in pipeline.step_names if n in found},
        missing=[n for n in pipeline.step_names if n not in found],
    )


NOTICE_NAMES = 5  # names listed in one notice before "and N more"


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:NOTICE_NAMES])
    return shown + (f" and {len(names) - NOTICE_NAMES} more" if len(names) > NOTICE_NAMES else "")


def observed_problems(pipeline, observation: Observation) -> list:
    """``observed-not-static`` notices: files and modules the latest run of a step's code saw it
    use that the static analysis does not find (so the analysis keeps learning; export carries
    them anyway, from the observation)."""

    if not observation.steps:
        return []
    named, imported = step_paths(pipeline), step_imports(pipeline)
    brought = _brought_along({m for mods in imported.values() for m in mods})
    out = []
    for step, seen in observation.steps.items():
        if step not in pipeline.step_names:
            continue
        code = {path for path, _ in pipeline.project.modules} if pipeline.project else set()
        static = named.get(step, set()) | code  # the project's modules are code, shipped as such
        files = sorted(
            f
            for f in {*seen.reads, *seen.writes, *seen.databases}
            if f not in static and not any(f.startswith(p + "/") for p in static)
        )
        mods = sorted(m for m in seen.modules if m not in imported.get(step, set()) and m not in brought)
        cells = pipeline.step(step).cells
        cell = cells[0] if cells else None
        run = f"run {observation.run_id}" if observation.run_id else "the latest run"
        if files:
            out.append(
                Problem(
                    "info",
                    "observed-not-static",
                    f"{run} saw this step use the file{'s' * (len(files) > 1)} {_listed(files)}, "
                    "which the analysis does not find (export carries what the run saw)",
                    step=step,
                    cell=cell,
                    hint="name the path literally in the code for the analysis to see it",
                )
            )
        if mods:
            out.append(
                Problem(
                    "info",
                    "observed-not-static",
                    f"{run} saw this step import {_listed(mods)}, which the analysis does not find "
                    "in its code (imported by a library at run time, or by a magic)",
                    step=step,
                    cell=cell,
                    hint="export pins what the run imported; import it in the step to make it explicit",
                )
            )
    return out


def _brought_along(modules) -> set[str]:
    """Top-level modules of the distributions that the statically imported ``modules`` need
    (transitively): numpy imported by pandas, narwhals by scikit-learn are no news."""

    if not modules:
        return set()
    closure = set(pins.pin(modules)["pins"])
    return {
        module
        for module, dists in metadata.packages_distributions().items()
        if any(pins.canonical(d) in closure for d in dists)
    }


def with_observed_problems(pipeline):
    """``pipeline`` with the ``observed-not-static`` notices of its latest observation."""

    if not pipeline.path:
        return pipeline
    extra = observed_problems(pipeline, latest_observation(pipeline, pipeline.path))
    return replace(pipeline, problems=(*pipeline.problems, *extra)) if extra else pipeline
