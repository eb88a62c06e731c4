"""Every face that runs several steps gets kernels forked from one zygote: the server's and the
widgets' runs (``RunService.start``, in a thread of their process) and the scheduler's (the run
service's ``child_command``, a process of its own). Real kernels."""

from __future__ import annotations

import os
import subprocess

from nbfactory import make_notebook, write_notebook
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.execution.run_service import RunService, child_command

CELLS = [
    ("import os\nimport notebook_ops as nbo", ["setup"]),
    ("nbo.log_metric('parent_a', os.getppid())", ["step:a"]),
    ("nbo.log_metric('parent_b', os.getppid())", ["step:b"]),
]


def test_a_run_in_a_thread_of_a_long_lived_process_forks_its_step_kernels(tmp_path):
    nb = write_notebook(tmp_path / "two.ipynb", make_notebook(CELLS))
    result = RunService().start(nb, track=False, cache=False).wait(timeout=300)
    rec = result.record
    assert result.status == "succeeded", rec["error"]
    assert rec["options"]["kernels"] == "fork"
    # both kernels are children of one process that is not this one: the zygote
    assert rec["metrics"]["parent_a"] == rec["metrics"]["parent_b"] != os.getpid()


def test_a_scheduled_run_child_process_forks_its_step_kernels(tmp_path):
    nb = write_notebook(tmp_path / "two.ipynb", make_notebook(CELLS))
    run_dir = tmp_path / "runs" / "r1"
    argv = child_command(nb, run_dir, {}) + ["--no-track", "--no-cache"]
    assert subprocess.run(argv, cwd=tmp_path, capture_output=True, timeout=300).returncode == 0
    rec = RunRecord.read(run_dir)
    assert rec is not None and rec.status == "succeeded" and rec.options.kernels == "fork"
    assert rec.metrics["parent_a"] == rec.metrics["parent_b"] != rec.pid
