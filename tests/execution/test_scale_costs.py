"""What the runner's per-step helpers read grows with the step, not with the notebook (issue 27):
counted, never timed."""

from __future__ import annotations

import dataclasses
import hashlib

from nbfactory import make_notebook, write_notebook
from notebook_ops.execution import stepfiles
from notebook_ops.execution.observations import step_code_sha256
from notebook_ops.model import load_pipeline


class CountingCells(tuple):
    """A pipeline's cells that count the cells handed out (by position or by iterating)."""

    read = 0

    def __getitem__(self, i):
        CountingCells.read += 1
        return super().__getitem__(i)

    def __iter__(self):
        for cell in super().__iter__():
            CountingCells.read += 1
            yield cell


def _chain(tmp_path, n: int):
    cells = [("import os", ["setup"]), ("k = 1", ["parameters"])]
    for i in range(n):
        cells.append((f"# step {i}", [f"step:s{i}"], "markdown"))
        cells.append((f"x{i} = {'x' + str(i - 1) if i else 'k'} + 1", [f"step:s{i}"] if i == 0 else []))
    return load_pipeline(write_notebook(tmp_path / "chain.ipynb", make_notebook(cells)))


def _reference_sha(pipeline, step: str) -> str:
    """The fingerprint as the whole-notebook loop computed it (what the cache and export compare):
    the setup cells and the step's own, not the parameters cell (its defaults are values)."""
    part = pipeline.part(step)
    wanted = set(part.setup_cells) | set(part.step(step).cells)
    h = hashlib.sha256()
    for cell in part.cells:
        if cell.index in wanted and cell.cell_type == "code":
            h.update(cell.source.encode() + b"\0")
    return h.hexdigest()


def test_step_code_sha256_reads_the_steps_own_cells(tmp_path):
    pipeline = _chain(tmp_path, 60)
    assert len(pipeline.step_names) == 60
    counted = dataclasses.replace(pipeline, cells=CountingCells(pipeline.cells))
    for name in ("s0", "s30", "s59"):
        CountingCells.read = 0
        sha = step_code_sha256(counted, name)
        assert sha == _reference_sha(pipeline, name)  # what is hashed did not change
        own = len(pipeline.step(name).cells) + len(pipeline.setup_cells)
        assert CountingCells.read == own, (name, CountingCells.read)  # not the notebook's 122
    assert len({step_code_sha256(pipeline, s) for s in pipeline.step_names}) == 60


class CountingSteps(tuple):
    """A pipeline's steps that count the steps handed out when iterated."""

    read = 0

    def __iter__(self):
        for step in super().__iter__():
            CountingSteps.read += 1
            yield step


def test_upstream_and_has_downstream_read_the_steps_once(tmp_path):
    pipeline = _chain(tmp_path, 60)
    names = pipeline.step_names
    before = {n: [u for u in names if u in pipeline.upstream(n)] for n in names}  # graph order
    counted = dataclasses.replace(pipeline, steps=CountingSteps(pipeline.steps))
    CountingSteps.read = 0
    for i, name in enumerate(names):
        assert stepfiles.upstream(counted, name) == before[name] == names[:i]
        assert stepfiles.has_downstream(counted, name) is (i < len(names) - 1)
    # the pipeline's lookups are built once (a few passes over 60 steps), not a pass per step
    # per call (was 60 + 60 passes of 60: 7,200)
    assert CountingSteps.read <= 3 * len(names), CountingSteps.read
