"""Where a step's task spends its time on a Dask worker: a timeline of each phase of a no-op step.

Run: .venv/bin/python benchmarks/bench_cluster_phases.py   (BENCH_NOOP runs, default 6)
Starts the same cluster as bench_cluster.py (a scheduler, two one-thread workers, a moto S3
server), installs timing wrappers in both workers (``client.run(install)``: the task, the data
store's folder cleared, the files laid out, taking a kernel forked ahead and moving it, a
kernel's start, fork and ``kernel_info`` answer, papermill, the cells, the notebook's writes, the
kernel's shutdown), runs a one-step no-op pipeline and prints, per run, the step's times from
run.json and each phase's start and end in ms from the task's start, with the thread it ran in
(``nbo-kernel``: a kernel's own thread, where a kernel forked ahead starts and is shut down).
The first run is a cold one (its worker's zygote may still be importing). docs/benchmarks.md
gives the breakdown this printed before and after the kernels forked ahead.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "cluster"), str(ROOT / "tests"), str(ROOT)]

from daskcluster import DaskCluster  # noqa: E402
from nbfactory import make_notebook  # noqa: E402
from s3server import s3_server  # noqa: E402

RUNS = int(os.environ.get("BENCH_NOOP", "6"))
NOOP = [("import notebook_ops as nbo", ["setup"]), ("x = 1", ["step:noop"])]


def install(dask_worker=None) -> str:
    """In a worker: wrap each phase's function so that it logs (label, start, end, thread)."""
    import builtins
    import functools
    import threading

    import nbclient.client as nbclient_client
    import papermill.execute as pm_execute
    from papermill.engines import NotebookExecutionManager

    from notebook_ops.execution import cluster_task, executors, forkprovisioner, kernel_client
    from notebook_ops.execution import kernels, live_notebook, papermill_exec

    if getattr(builtins, "_nbo_phases", None) is not None:
        return "already"
    log: list = []
    builtins._nbo_phases = log  # type: ignore[attr-defined]

    def wrap(owner, name: str, label: str, is_async: bool = False) -> None:
        fn = getattr(owner, name)

        def record(t: float) -> None:
            log.append((label, t, time.perf_counter(), threading.current_thread().name))

        if is_async:

            @functools.wraps(fn)
            async def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return await fn(*a, **k)
                finally:
                    record(t)
        else:

            @functools.wraps(fn)
            def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    record(t)

        if isinstance(getattr(owner, "__dict__", {}).get(name), staticmethod):
            timed = staticmethod(timed)  # type: ignore[assignment]
        setattr(owner, name, timed)

    wrap(cluster_task, "run_task", "task")
    wrap(cluster_task, "_clear", "store folder cleared")
    wrap(cluster_task, "_lay_out", "files laid out")
    wrap(cluster_task, "_kernels", "kernels ahead found")
    wrap(cluster_task, "execute_step", "execute_step")
    wrap(executors, "move_kernel", "kernel moved")
    wrap(kernels.KernelPool, "_start_kernel_once", "kernel start (all)")
    wrap(forkprovisioner.ForkKernelManager, "start_kernel", "fork", True)
    wrap(kernel_client.PromptKernelClient, "wait_for_ready", "kernel_info answered", True)
    wrap(kernels.KernelPool, "_stop_kernel", "kernel shutdown")
    wrap(executors, "run_in_kernel", "run_in_kernel")
    wrap(papermill_exec, "_execute", "papermill")
    wrap(pm_execute, "parameterize_notebook", "parameters")
    wrap(live_notebook.LiveSaveEngine, "execute_managed_notebook", "cells")
    wrap(live_notebook.LiveNotebookManager, "_write", "notebook written (live)")
    wrap(NotebookExecutionManager, "save", "notebook written")
    wrap(nbclient_client.NotebookClient, "async_start_new_kernel_client", "papermill's client", True)
    return "ok"


def collect(dask_worker=None) -> list:
    import builtins

    out = list(builtins._nbo_phases)  # type: ignore[attr-defined]
    builtins._nbo_phases.clear()  # type: ignore[attr-defined]
    return out


def main() -> None:
    from notebook_ops.execution import run_notebook

    nb = Path(tempfile.mkdtemp(prefix="nbo-bench-phases-")) / "noop.ipynb"
    nb.write_text(json.dumps(make_notebook(NOOP)))
    print(f"load average at the start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    with s3_server() as s3:
        os.environ.update(s3.env)
        cluster = DaskCluster(s3.env).start()
        try:
            with cluster.client() as c:
                assert set(c.run(install).values()) == {"ok"}
                trips = []
                for _ in range(20):
                    t = time.perf_counter()
                    c.submit(int, 1, pure=False).result()
                    trips.append(time.perf_counter() - t)
                print(f"no-op Dask task round trip: {statistics.median(trips) * 1000:.1f} ms")
                for i in range(RUNS):
                    res = run_notebook(
                        nb, cluster=cluster.address, data_url=s3.url(f"phases-{i}"), track=False, cache=False
                    )
                    assert res.status == "succeeded", res.record["error"]
                    s = res.record["steps"]["noop"]
                    phases = sorted((e for es in c.run(collect).values() for e in es), key=lambda e: e[1])
                    task = next(e for e in phases if e[0] == "task")
                    print(
                        f"run {i}: step {s['duration_s'] * 1000:.0f} ms = queued {s['queued_s'] * 1000:.0f}"
                        f" + start-up {s['startup_s'] * 1000:.0f} + code {s['code_s'] * 1000:.0f} + the rest;"
                        f" overhead (step - code) {(s['duration_s'] - s['code_s']) * 1000:.0f} ms;"
                        f" the task on {s['worker']}: {(task[2] - task[1]) * 1000:.0f} ms"
                    )
                    for label, a, b, thread in phases:
                        print(
                            f"   {label:<26} {(a - task[1]) * 1000:+8.1f} .. {(b - task[1]) * 1000:+8.1f}"
                            f"  ({(b - a) * 1000:6.1f} ms) [{thread}]"
                        )
        finally:
            cluster.stop()
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
