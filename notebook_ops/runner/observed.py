"""What earlier runs observed a pipeline's steps doing, for export and lint.

Observation itself happens in the step's kernel (``notebook_ops.runtime.observe``) and lands in
``run.json`` (``StepRecord.observed``). This module reads it back: the latest successful run of
the same code, per step, so export can pin what was really imported and carry what was really
touched, and say when there was no such run ("static analysis only: run once so export can
observe").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from notebook_ops.model.contracts.runs import Observed


@dataclass
class Observation:
    """The newest observation of each step whose code is unchanged since it ran."""

    run_id: str | None = None  # the newest run contributing (None: none)
    finished_at: str | None = None
    steps: dict[str, Observed] = field(default_factory=dict)  # step -> what it did
    missing: list[str] = field(default_factory=list)  # steps with no observation of this code


def step_code_sha256(pipeline, step: str) -> str:
    """The fingerprint of the code ``step`` runs: the sources of its parameters, setup and own
    code cells, in notebook order (of the notebook that holds it, for a pipeline across
    notebooks). What ``Observed.code_sha256`` is compared with: same code, same fingerprint."""
    part = pipeline.part(step)
    own = set(part.step(step).cells)
    wanted = set(part.setup_cells) | own
    if part.parameters_cell is not None:
        wanted.add(part.parameters_cell)
    h = hashlib.sha256()
    for cell in part.cells:
        if cell.index in wanted and cell.cell_type == "code":
            h.update(cell.source.encode())
            h.update(b"\0")
    return h.hexdigest()


def latest_observation(pipeline, notebook_path) -> Observation:
    """Per step, the observation of the latest successful run of the same code (by
    ``step_code_sha256``), searched in the notebook's run folders. Filled in by issue 23."""
    return Observation(missing=list(pipeline.step_names))
