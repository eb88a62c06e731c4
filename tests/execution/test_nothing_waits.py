"""Nothing waits for work that will not run, with real kernels: a fully cached re-run starts no
kernel and no zygote (its first step reads a data file, which the cache key covers), a partly
cached run starts kernels for the steps that miss only and gives what an uncached run gives,
and closing a pool kills a zygote still importing libraries (and the kernels it forked)
instead of waiting for it, leaving no process behind."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import psutil
import pytest

from conftest import write_nb
from notebook_ops.model import load_pipeline
from notebook_ops.execution.kernels import KernelPool
from notebook_ops.execution.orchestrate import PipelineRun

CHAIN = [
    ("import json\nimport pandas as pd", ["setup"]),
    ("scale = 2\noffset = 1", ["parameters"]),
    ("table = pd.read_csv('data/rows.csv')\ntotal = int(table['x'].sum()) * scale", ["step:load"]),
    ("result = total + offset\nprint(json.dumps({'result': result}))", ["step:report", "after:load"]),
]


def _project(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("x\n1\n2\n3\n")
    return write_nb(tmp_path, "chain.ipynb", CHAIN)


class _ProcessWatch:
    """Every kernel or zygote process this test process starts while it watches."""

    def __init__(self):
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        me = psutil.Process()
        while not self._stop.is_set():
            for child in me.children(recursive=True):
                try:
                    cmd = " ".join(child.cmdline())
                except psutil.Error:
                    continue
                if "zygote.py" in cmd or "ipykernel" in cmd:
                    self.seen.add(child.pid)
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _run(nb, **opts) -> PipelineRun:
    run = PipelineRun(load_pipeline(nb), **opts)
    run.run()
    return run


def _result(run) -> str:
    nb = json.loads(run.folder.step_notebook("report").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("kernels", ["fork", "fresh"])
def test_a_fully_cached_rerun_starts_no_kernel_and_no_zygote(tmp_path, kernels):
    nb = _project(tmp_path)
    first = _run(nb, kernels=kernels, track=True)
    assert first.record.data["status"] == "succeeded"
    with _ProcessWatch() as watch:
        again = _run(nb, kernels=kernels, track=True)
    assert again.record.data["status"] == "succeeded"
    assert all(again.record.data["steps"][s]["cached"] for s in ("load", "report"))
    assert again.pool is None  # no kernel pool, so no zygote and no kernel
    assert watch.seen == set()
    assert _result(again) == _result(first)


def test_a_partly_cached_run_starts_kernels_for_the_missing_steps_only(tmp_path):
    nb = _project(tmp_path)
    _run(nb, kernels="fork", track=False)
    partly = _run(nb, kernels="fork", track=False, params={"offset": 5})
    steps = partly.record.data["steps"]
    assert steps["load"]["cached"] and not steps["report"]["cached"]
    assert partly.pool is not None and partly.pool.started == 1  # the one step that missed
    uncached = _run(nb, kernels="fork", track=False, params={"offset": 5}, cache=False)
    assert json.loads(_result(partly)) == json.loads(_result(uncached)) == {"result": 17}


@pytest.fixture
def slow_library(tmp_path):
    """A library whose import takes long: a zygote preloading it stays warming."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "nbo_slow_import.py").write_text("import time\ntime.sleep(40)\n")
    path = os.pathsep.join(p for p in (str(lib), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path}


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("kill_running", [False, True])
def test_closing_a_pool_kills_a_zygote_still_warming(tmp_path, slow_library, kill_running):
    pool = KernelPool(cwd=tmp_path, preload=["nbo_slow_import"], kernels="fork", env=slow_library)
    pool.prewarm(1)
    _wait_for(lambda: pool.zygote.proc is not None)
    pid = pool.zygote.proc.pid
    assert pool.zygote.warming
    pool.close(kill_running=kill_running)
    assert pool.zygote.proc.returncode == -signal.SIGKILL  # killed, not waited for
    assert not _alive(pid)
    assert pool.started == 0  # and no fresh kernel started in its place
    left = [c for c in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
    assert left == []


def test_closing_a_pool_kills_the_kernels_forked_from_its_zygote(tmp_path):
    pool = KernelPool(cwd=tmp_path, preload=["json"], kernels="fork")
    pool.prewarm(2)
    _wait_for(lambda: pool.started == 2, timeout=120)
    kernels = [s.km.provisioner.pid for s in pool._idle]
    zygote = pool.zygote.proc.pid
    assert len(kernels) == 2 and all(_alive(k) for k in kernels)
    pool.close(kill_running=True)
    assert not _alive(zygote)
    _wait_for(lambda: not any(_alive(k) for k in kernels), timeout=10)
