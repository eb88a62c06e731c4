"""The run service: one path for every face. Real kernels, real child processes."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from nbfactory import make_notebook, write_notebook
from notebook_ops.errors import NotebookReadError, ParameterError
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.execution.run_service import RunService, child_command, read_record, run, target_kind

WAIT = 240


@pytest.fixture
def small(tmp_path):
    return write_notebook(
        tmp_path / "small.ipynb",
        make_notebook(
            [
                ("n = 3", ["parameters"]),
                ("total = n * 2", ["step:make"]),
                ("print('total', total)", ["step:show"]),
            ]
        ),
    )


def test_in_this_thread_a_notebook_run_leaves_one_record(small, tmp_path, schema_check):
    (tmp_path / "p.yaml").write_text("n: 4\n")
    result = run(small, params_file=tmp_path / "p.yaml", params={"n": "5"}, track=False)
    assert result.status == "succeeded" and result.exit_code == 0
    rec = read_record(result.run_dir)
    assert isinstance(rec, RunRecord) and rec.final and rec.run_id == result.run_id
    assert rec.parameters == {"n": 5}  # -p wins over the file, converted
    assert list(rec.steps) == ["make", "show"] and rec.steps["show"].status == "succeeded"
    assert [p.name for p in result.run_dir.parent.iterdir()] == [result.run_id]
    schema_check("run-record", json.loads((result.run_dir / "run.json").read_text()))


def test_bad_targets_and_parameters_fail_before_anything_runs(small, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(NotebookReadError, match="not a notebook"):
        target_kind(tmp_path / "notes.txt")
    handle = RunService().start(small, params={"nope": 1}, track=False)
    with pytest.raises(ParameterError, match="nope"):
        handle.started.result(WAIT)
    with pytest.raises(ParameterError):
        handle.wait(WAIT)
    assert not (tmp_path / ".notebook_ops" / "runs").exists()


def test_in_a_thread_a_run_is_followed_and_cancelled_by_id(tmp_path, schema_check):
    slow = write_notebook(
        tmp_path / "slow.ipynb",
        make_notebook([("import time\ntime.sleep(120)", ["step:wait"]), ("done = True", ["step:after"])]),
    )
    service, seen, finished = RunService(), [], []
    handle = service.start(slow, track=False, progress=seen.append, on_finish=finished.append)
    first = handle.started.result(WAIT)
    assert first["status"] == "running" and service.is_active(first["run_id"])
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and not any(
        e["event"] == "step_started" and e["step"] == "wait" for e in seen
    ):
        time.sleep(0.2)
    service.cancel(first["run_id"])
    result = handle.wait(WAIT)
    assert result.status == "cancelled" and result.exit_code == 130
    assert finished == [handle] and not service.is_active(first["run_id"])
    for event in seen:  # every progress event is the contract's
        schema_check("run-progress", event)
    assert read_record(result.run_dir).steps["after"].status == "cancelled"
    with pytest.raises(Exception, match="not running"):
        service.cancel(first["run_id"])


def test_in_a_child_process_the_same_run_records_into_the_given_folder(small, tmp_path):
    run_dir = tmp_path / "runs" / "from-a-scheduler"
    argv = child_command(small, run_dir, {"n": 7})
    done = subprocess.run(
        argv + ["--no-track"], cwd=tmp_path, capture_output=True, text=True, timeout=WAIT, check=False
    )
    assert done.returncode == 0, done.stderr
    rec = read_record(run_dir)
    assert rec.run_id == "from-a-scheduler" and rec.status == "succeeded"
    assert rec.parameters == {"n": 7}
    assert json.loads((run_dir / "run.json").read_text()) == rec.to_dict()
