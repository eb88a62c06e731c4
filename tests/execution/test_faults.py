"""Faults with real kernels: each gives a failed step naming the step and the cell, the other
branch finishes, the run folder stays consistent and the notebook byte-identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import sha, write_nb
from notebook_ops.errors import ParameterError
from notebook_ops.execution import run_notebook

CELLS = [
    ("import os, sys, time, threading", ["setup"]),
    ("fault = 'none'  # what the bad step does", ["parameters"]),
    ("a = 1", ["step:a"]),
    (
        "if fault == 'raise':\n    raise ValueError('boom')\n"
        "elif fault == 'exit':\n    sys.exit(3)\n"
        "elif fault == 'exit0':\n    sys.exit(0)\n"
        "elif fault == 'die':\n    os._exit(1)\n"
        "elif fault == 'hang':\n    open('hang.pid', 'w').write(str(os.getpid()))\n    time.sleep(600)\n"
        "bad = threading.Lock() if fault == 'unserialisable' else a + 1",
        ["step:bad", "after:a"],
    ),
    ("other = a + 2", ["step:other", "after:a"]),
    ("end = bad + other", ["step:end", "after:bad", "after:other"]),
]
SETTINGS = {"notebook_ops": {"steps": {"bad": {"timeout": 4}}}}
BAD_CELL = 3


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    return write_nb(folder, "faulty.ipynb", CELLS, SETTINGS)


@pytest.mark.parametrize(
    "fault, message",
    [
        ("raise", "ValueError: boom (in step code, notebook cell 4)"),
        ("exit", "SystemExit: 3"),
        ("exit0", "stopped early (sys.exit)"),
        ("die", "the kernel died"),
        ("hang", "timed out after 4 s"),
        ("unserialisable", "cannot save output 'bad' (_thread.lock): TypeError: cannot pickle"),
    ],
)
def test_step_fault(faulty, fault, message):
    before = sha(faulty)
    res = run_notebook(faulty, params={"fault": fault}, jobs=2, track=False)
    steps = res.record["steps"]
    assert res.status == "failed" and res.exit_code == 1
    assert steps["bad"]["status"] == "failed"
    assert message in steps["bad"]["error"]
    assert steps["other"]["status"] == "succeeded"  # the other branch finished
    assert steps["end"]["status"] == "skipped"
    assert "bad" in res.record["error"]
    if fault == "raise":
        assert steps["bad"]["cell"] == BAD_CELL
        executed = json.loads((res.run_dir / "steps" / "bad.ipynb").read_text())
        assert any("papermill-error-cell-tag" in c["metadata"].get("tags", []) for c in executed["cells"])
    on_disk = json.loads((res.run_dir / "run.json").read_text())
    assert on_disk["status"] == "failed" and on_disk["steps"]["bad"]["error"] == steps["bad"]["error"]
    assert sha(faulty) == before


def test_bad_input_is_refused_before_running(faulty, tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'faults'.*known: fault"):
        run_notebook(faulty, params={"faults": "x"}, track=False, run_dir=tmp_path / "r1")
    with pytest.raises(ParameterError, match="unknown step 'nope'"):
        run_notebook(faulty, steps="a,nope", track=False, run_dir=tmp_path / "r2")
    assert not (tmp_path / "r1").exists() and not (tmp_path / "r2").exists()


def test_missing_input_after_steps_selection(tmp_path):
    nb = write_nb(tmp_path, "nb.ipynb", CELLS, SETTINGS)
    res = run_notebook(nb, steps="bad", track=False)  # nothing cached: 'a' never ran
    bad = res.record["steps"]["bad"]
    assert res.status == "failed"
    assert bad["status"] == "failed"
    assert "input 'a' comes from step 'a'" in bad["error"]
    assert res.record["steps"]["a"]["status"] == "skipped"


def test_retry_then_resume(tmp_path):
    cells = [
        ("from pathlib import Path", ["setup"]),
        ("x = 1", ["step:first"]),
        (
            "n = int(Path('tries').read_text()) if Path('tries').exists() else 0\n"
            "Path('tries').write_text(str(n + 1))\n"
            "if n == 0:\n    raise RuntimeError('flaky')\n"
            "y = x + 1",
            ["step:flaky"],
        ),
        (
            "if not Path('fixed').exists():\n    raise RuntimeError('not fixed yet')\nz = y + 1",
            ["step:fragile"],
        ),
        ("w = z * 2", ["step:last"]),
    ]
    nb = write_nb(tmp_path, "nb.ipynb", cells, {"notebook_ops": {"steps": {"flaky": {"retries": 1}}}})
    first = run_notebook(nb, track=False, cache=False)
    steps = first.record["steps"]
    assert steps["flaky"]["status"] == "succeeded" and steps["flaky"]["attempts"] == 2
    assert steps["fragile"]["status"] == "failed" and "not fixed yet" in steps["fragile"]["error"]
    assert steps["last"]["status"] == "skipped"
    (tmp_path / "fixed").write_text("yes")
    resumed = run_notebook(nb, track=False, cache=False, resume=first.run_id)
    steps = resumed.record["steps"]
    assert resumed.status == "succeeded", resumed.record["error"]
    assert resumed.record["resumed_from"] == first.run_id
    assert steps["first"]["cached"] and steps["flaky"]["cached"]  # kept from the first run
    assert f"kept from run {first.run_id}" in steps["flaky"]["reused"]
    assert not steps["fragile"]["cached"] and not steps["last"]["cached"]
    assert (tmp_path / "tries").read_text() == "2"  # flaky did not run again


def _default_sigint():  # a background shell may have left SIGINT ignored for its children
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_kernels_and_leaves_a_consistent_run(faulty, tmp_path, sig):
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notebook_ops",
            "run",
            str(faulty),
            "--run-dir",
            str(run_dir),
            "--quiet",
            "--no-track",
            "--no-cache",
            "-p",
            "fault=hang",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            rec = json.loads((run_dir / "run.json").read_text())
            if rec["steps"]["bad"]["status"] == "running":
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "cancelled"
    assert rec["steps"]["bad"]["status"] == "cancelled"
    assert rec["finished_at"]
    assert "Traceback" not in err
    pid = int((faulty.parent / "hang.pid").read_text())
    for _ in range(50):  # the hanging step's kernel is gone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"kernel {pid} still running")
