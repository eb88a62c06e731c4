"""Faults in forked kernels behave as in fresh ones, with real kernels: an exception, sys.exit,
os._exit, a segfault, a timeout, retries, Ctrl-C / SIGTERM on `notebook-ops run`, a cancelled
run, kill -9 of the runner or of the zygote; no kernel and no zygote is left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import write_nb
from notebook_ops.execution import run_notebook

CELLS = [
    ("import ctypes, os, sys, time", ["setup"]),
    ("fault = 'none'  # what the bad step does", ["parameters"]),
    ("a = 1", ["step:a"]),
    (
        "open(f'pids-{fault}', 'w').write(f'{os.getpid()} {os.getppid()}')\n"
        "if fault == 'raise':\n    raise ValueError('boom')\n"
        "elif fault == 'exit':\n    sys.exit(3)\n"
        "elif fault == 'die':\n    os._exit(1)\n"
        "elif fault == 'segv':\n    ctypes.string_at(0)\n"
        "elif fault == 'hang':\n    time.sleep(600)\n"
        "bad = a + 1",
        ["step:bad", "after:a"],
    ),
    ("other = a + 2", ["step:other", "after:a"]),
    ("end = bad + other", ["step:end", "after:bad", "after:other"]),
]
SETTINGS = {"notebook_ops": {"kernels": "fork", "steps": {"bad": {"timeout": 6}}}}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    return write_nb(tmp_path_factory.mktemp("forkfaults"), "faulty.ipynb", CELLS, SETTINGS)


def _gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _steps(res) -> dict:
    return {n: (s["status"], s["error"], s["attempts"]) for n, s in res.record["steps"].items()}


@pytest.mark.parametrize(
    "fault, message",
    [
        ("raise", "ValueError: boom (in step code, notebook cell 4)"),
        ("exit", "SystemExit: 3"),
        ("die", "the kernel died"),
        ("segv", "the kernel died"),
        ("hang", "timed out after 6 s"),
    ],
)
def test_step_fault_as_with_fresh_kernels(faulty, fault, message):
    fork = run_notebook(faulty, params={"fault": fault}, jobs=2, track=False, cache=False)
    kernel, parent = map(int, (faulty.parent / f"pids-{fault}").read_text().split())
    assert parent != os.getpid()  # the step ran in a forked kernel
    fresh = run_notebook(faulty, params={"fault": fault}, jobs=2, track=False, cache=False, kernels="fresh")
    assert fork.status == fresh.status == "failed"
    assert _steps(fork) == _steps(fresh)
    bad = fork.record["steps"]["bad"]
    assert message in bad["error"] and fork.record["steps"]["other"]["status"] == "succeeded"
    assert fork.record["steps"]["end"]["status"] == "skipped"
    assert _gone(kernel) and _gone(parent)  # the kernel and the zygote


def test_retries_in_forked_kernels(tmp_path):
    nb = write_nb(
        tmp_path,
        "flaky.ipynb",
        [
            ("import os\nfrom pathlib import Path", ["setup"]),
            (
                "n = int(Path('tries').read_text()) if Path('tries').exists() else 0\n"
                "Path('tries').write_text(str(n + 1))\n"
                "Path(f'ppid-{n}').write_text(str(os.getppid()))\n"
                "if n == 0:\n    os._exit(1)\ny = n",
                ["step:flaky"],
            ),
        ],
        {"notebook_ops": {"kernels": "fork", "steps": {"flaky": {"retries": 1}}}},
    )
    res = run_notebook(nb, track=False, cache=False)
    flaky = res.record["steps"]["flaky"]
    assert res.status == "succeeded", res.record["error"]
    assert flaky["attempts"] == 2 and (tmp_path / "tries").read_text() == "2"
    zygote = int((tmp_path / "ppid-0").read_text())
    assert zygote == int((tmp_path / "ppid-1").read_text()) != os.getpid()


def _default_sigint():  # a background shell may have left SIGINT ignored for its children
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_forked_kernels_and_the_zygote(faulty, tmp_path, sig):
    run_dir = tmp_path / "run"
    pids = faulty.parent / "pids-hang"
    pids.unlink(missing_ok=True)
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
            "--kernels",
            "fork",
            "-p",
            "fault=hang",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not pids.exists():
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "cancelled" and rec["steps"]["bad"]["status"] == "cancelled"
    assert "Traceback" not in err
    kernel, zygote = map(int, pids.read_text().split())
    assert zygote != proc.pid
    assert _gone(kernel) and _gone(zygote)


def test_a_killed_zygote_takes_its_kernels_and_retries_run_in_fresh_ones(tmp_path):
    """As fresh kernels stop when the runner dies, forked ones stop when the zygote dies (its
    step then fails as a dead kernel); kernels started after that are fresh ones."""
    nb = write_nb(
        tmp_path,
        "killer.ipynb",
        [
            ("import os, signal, time", ["setup"]),
            (
                "if not os.path.exists('zygote'):   # the first attempt only\n"
                "    open('zygote', 'w').write(str(os.getppid()))\n"
                # never the test process itself, should the kernel not be a forked one
                f"    if os.getppid() != {os.getpid()}:\n"
                "        os.kill(os.getppid(), signal.SIGKILL)\n    time.sleep(5)\n"
                "a = 1\nopen('parent-a', 'w').write(str(os.getppid()))",
                ["step:a"],
            ),
            ("b = a + 1\nopen('parent-b', 'w').write(str(os.getppid()))", ["step:b"]),
        ],
        {"notebook_ops": {"kernels": "fork", "defaults": {"retries": 1}}},
    )
    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "succeeded", res.record["error"]
    a = res.record["steps"]["a"]
    assert a["attempts"] == 2, a
    assert int((tmp_path / "zygote").read_text()) != os.getpid()
    assert int((tmp_path / "parent-a").read_text()) == os.getpid()  # fresh kernels
    assert int((tmp_path / "parent-b").read_text()) == os.getpid()


def test_a_killed_runner_leaves_no_zygote_and_no_kernel(faulty, tmp_path):
    """kill -9 of `notebook-ops run`: the zygote sees its socket close and exits, and the
    kernels it forked stop when it goes (as fresh kernels stop when the runner goes)."""
    pids = faulty.parent / "pids-hang"
    pids.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notebook_ops",
            "run",
            str(faulty),
            "--run-dir",
            str(tmp_path / "run"),
            "--quiet",
            "--no-track",
            "--no-cache",
            "-p",
            "fault=hang",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not pids.exists():
        time.sleep(0.2)
    time.sleep(0.5)
    kernel, zygote = map(int, pids.read_text().split())
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(zygote) and _gone(kernel)


def test_cancel_stops_a_forked_kernel(faulty):
    """The panel's Stop and the server's cancel set the run's cancel event."""
    import threading

    pids = faulty.parent / "pids-hang"
    pids.unlink(missing_ok=True)
    cancel = threading.Event()

    def stop_when_running():
        deadline = time.time() + 60
        while time.time() < deadline and not pids.exists():
            time.sleep(0.1)
        cancel.set()

    threading.Thread(target=stop_when_running, daemon=True).start()
    res = run_notebook(faulty, params={"fault": "hang"}, track=False, cache=False, cancel=cancel)
    assert res.status == "cancelled" and res.exit_code == 130
    assert res.record["steps"]["bad"]["status"] == "cancelled"
    kernel, zygote = map(int, pids.read_text().split())
    assert zygote != os.getpid()
    assert _gone(kernel) and _gone(zygote)


def test_fork_from_a_runner_holding_many_files(tmp_path):
    """The zygote's control socket keeps the runner's fd number: with more than 1024 files open
    in the runner (a long test session, a server), the zygote still forks (it polls; select()
    refused fds over FD_SETSIZE and every step fell back to a fresh kernel)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 1200
    if soft < want + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    held: list[int] = []
    try:
        held += (os.open(os.devnull, os.O_RDONLY) for _ in range(want))
        assert max(held) > 1024
        nb = write_nb(
            tmp_path,
            "many.ipynb",
            [("import os", ["setup"]), ("x = os.getppid()\nopen('ppid', 'w').write(str(x))", ["step:a"])],
            {"notebook_ops": {"kernels": "fork"}},
        )
        res = run_notebook(nb, track=False, cache=False)
        assert res.status == "succeeded", res.record["error"]
        assert int((tmp_path / "ppid").read_text()) != os.getpid()  # forked by the zygote
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
