"""A step's task lays out its files and the folders the code writes into on the worker's disk
(no cluster needed: the layout is the task's own function)."""

from __future__ import annotations

import pytest

from notebook_ops.execution.cluster_task import StepTask, _lay_out


def _task(**kw) -> StepTask:
    return StepTask(run_id="r", step="s", token="t", notebook={}, parameters={}, **kw)


def test_folders_the_code_writes_into_are_created(tmp_path):
    task = _task(
        notebook_dir="notebooks",
        files={"notebooks/prep.py": b"x = 1\n"},
        dirs=["notebooks/logs", "processed"],
    )
    cwd = _lay_out(tmp_path, task)
    assert cwd == tmp_path / "notebooks"
    assert (tmp_path / "notebooks" / "logs").is_dir() and (tmp_path / "processed").is_dir()
    assert (tmp_path / "notebooks" / "prep.py").read_bytes() == b"x = 1\n"


def test_a_folder_outside_the_task_is_refused(tmp_path):
    with pytest.raises(ValueError, match="outside the step's folder: ../escape"):
        _lay_out(tmp_path / "work", _task(dirs=["../escape"]))
    assert not (tmp_path / "escape").exists()
