"""A run gives back what it took: a long-lived process (the scheduler service, the lab's server)
runs pipeline after pipeline in-process, so threads and file descriptors a run leaves behind add
up until it cannot start a kernel ("Too many open files"). nbclient leaves open the client it
makes on a kernel it was handed; the kernel pool stops it."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import write_nb
from notebook_ops.execution import run_notebook

CELLS = [
    ("x = 1", ["step:a"]),
    ("y = x + 1", ["step:b"]),
    ("z = y + 1", ["step:c"]),
]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("kernels", ["fork", "fresh"])
def test_runs_leave_no_threads_or_file_descriptors(tmp_path, kernels):
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)

    def run():
        res = run_notebook(nb, track=False, cache=False, kernels=kernels)
        assert res.status == "succeeded", res.record["error"]

    run()  # the first run imports and opens what the process keeps (loggers, sqlite, zmq)
    threads, fds = threading.active_count(), _open_fds()
    for _ in range(3):
        run()
    # leaked before: a heartbeat thread, a zmq context and sockets per step (9 threads and about
    # 100 descriptors over these runs), an event loop per kernel (27 descriptors); the slack is
    # for what other tests' background threads (a server's, a tracker's) open meanwhile
    assert threading.active_count() <= threads + 2, [t.name for t in threading.enumerate()]
    assert _open_fds() <= fds + 8
