"""A warm zygote per Dask worker (``worker_zygote.py``): a real scheduler and two ``dask worker``
processes on loopback, data in a moto S3 server.

w1 keeps a zygote; w2 refuses one (``NOTEBOOK_OPS_WORKER_KERNELS=fresh``, as an older or a
non-forking worker would) and still runs its steps, in fresh kernels. Each step logs its kernel's
parent pid as a metric: the zygote's on w1, the worker's own on w2. The setup cells' libraries
are in the zygote before any task arrives; a second run reuses the same zygote; results are the
local run's; run.json and the summary give each task's queueing, start-up and code time; a
worker that closes takes its zygote and the kernels it forked with it.
"""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

import psutil
import pytest

from daskcluster import DaskCluster
from nbfactory import make_notebook
from notebook_ops.execution import run_notebook
from notebook_ops.execution.worker_zygote import WORKER_ENV, plugin_name, zygote_states
from notebook_ops.kernel_side.data_store import DataStore, backend_modules
from waiting import eventually

pytestmark = pytest.mark.slow

PAUSE = 2.0
PPID = "nbo.log_metric('ppid', os.getppid())\nnbo.log_metric('pid', os.getpid())"
DIAMOND = [
    ("import os\nimport time\nimport numpy as np\nimport notebook_ops as nbo", ["setup"]),
    (f"pause = {PAUSE}", ["parameters"]),
    ("base = int(np.arange(10).sum())\n" + PPID, ["step:start"]),
    (
        "time.sleep(pause)\nleft = base * 2\n" + PPID,
        ["step:left", "after:start"],
    ),
    (
        "time.sleep(pause)\nright = base + 1\n" + PPID,
        ["step:right", "after:start"],
    ),
    (
        "total = left + right\nnbo.log_metric('total', int(total))\n" + PPID,
        ["step:join", "after:left", "after:right"],
    ),
]


@pytest.fixture(scope="module")
def zygote_cluster(s3_module):
    """w1 keeps a zygote; w2 refuses one."""
    cluster = DaskCluster(s3_module.env)
    try:
        yield cluster.start(env={"w2": {WORKER_ENV: "fresh"}})
    finally:
        cluster.stop()


def _notebook(tmp_path: Path) -> Path:
    nb = tmp_path / "diamond.ipynb"
    nb.write_text(json.dumps(make_notebook(DIAMOND)))
    return nb


def _states(cluster: DaskCluster, name: str) -> dict[str, dict]:
    """worker name -> the state of its zygote plugin ``name`` (absent: not registered)."""
    with cluster.client() as c:
        names = {a: str(w["name"]) for a, w in c.scheduler_info(n_workers=-1)["workers"].items()}
        answers = c.run(zygote_states)
    return {names[a]: states[name] for a, states in answers.items() if name in states}


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_tasks_fork_from_the_warm_zygote_same_results_as_local(tmp_path, s3, zygote_cluster):
    from notebook_ops.cli.run_cmd import print_summary
    from notebook_ops.execution.cluster import Cluster
    from notebook_ops.execution.executors import pipeline_preload
    from notebook_ops.model.multi import load_pipeline
    from rich.console import Console

    nb = _notebook(tmp_path)
    pipeline = load_pipeline(nb)
    # what a run with this data store warms: the setup cells' libraries and the store's backend
    preload = pipeline_preload(pipeline) + backend_modules(s3.url("zygote"))
    assert "numpy" in preload and "s3fs" in preload
    name = plugin_name(pipeline.kernel_name, preload)
    # what the runner does when a run starts: register the plugin (here before any run)
    cluster = Cluster.connect(zygote_cluster.address, "warm-check")
    try:
        assert cluster.start_zygotes(pipeline.kernel_name, preload) == name
    finally:
        cluster.close()
    states = eventually(
        lambda: (
            (s := _states(zygote_cluster, name))
            and all(v["ready"] for v in s.values())
            and s.get("w1", {}).get("waiting")
            and s
        ),
        timeout=180,
        what="both workers to have set up the zygote plugin, w1 a kernel forked ahead",
    )
    w1, w2 = states["w1"], states["w2"]
    # w1 (one thread) forked one kernel before any task: connected, answering, waiting
    assert w1["ok"] and w1["refused"] is None and w1["forked"] == w1["waiting"] and len(w1["waiting"]) == 1
    ahead = w1["waiting"][0]
    assert _parent(ahead) == w1["pid"] and w1["taken"] == 0
    assert w2["refused"] == f"{WORKER_ENV}=fresh" and w2["pid"] is None and w2["waiting"] == []
    zygote = w1["pid"]
    assert zygote_cluster.zygotes_of("w1") == [zygote] and zygote_cluster.zygotes_of("w2") == []
    # the setup cells' numpy is loaded in the zygote before any task arrived
    assert "_multiarray_umath" in _maps(zygote)

    runs = []
    for i in range(2):
        res = run_notebook(nb, cluster=zygote_cluster.address, data_url=s3.url(f"zygote-{i}"), track=False)
        assert res.status == "succeeded", res.record["error"]
        runs.append(res)
        steps = res.record["steps"]
        # the branches ran at the same time, one on each worker
        assert {steps["left"]["worker"], steps["right"]["worker"]} == {"w1", "w2"}
        for step, s in steps.items():
            parent = zygote if s["worker"] == "w1" else zygote_cluster.workers["w2"].pid
            assert s["metrics"]["ppid"] == parent, (step, s["worker"])
            if s["worker"] == "w1":  # a kernel forked from the zygote, never one used before
                assert s["metrics"]["pid"] in _states(zygote_cluster, name)["w1"]["forked"]
            assert s["queued_s"] >= 0 and s["startup_s"] > 0 and s["code_s"] > 0
            # a step's time counts from its hand-over to Dask, released steps too: it holds the task
            assert s["queued_s"] + s["startup_s"] + s["code_s"] <= s["duration_s"] + 0.01, (step, s)
        assert steps["left"]["code_s"] >= PAUSE and steps["right"]["code_s"] >= PAUSE
    on_w1 = [s for r in runs for s in r.record["steps"].values() if s["worker"] == "w1"]
    # the first task on w1 took the kernel forked before the run was submitted
    first_run_w1 = [s for s in runs[0].record["steps"].values() if s["worker"] == "w1"]
    first_on_w1 = min(first_run_w1, key=lambda s: _t(s["started_at"]))
    assert first_on_w1["metrics"]["pid"] == ahead
    # one kernel per task: never reused
    assert len({s["metrics"]["pid"] for s in on_w1}) == len(on_w1)
    # the second run found the plugin registered: the same zygote forked its kernels; each
    # task's kernel is stopped after its step, the next one forked ahead waits
    after = eventually(
        lambda: (
            (a := _states(zygote_cluster, name)["w1"])["waiting"]
            and sorted(a["live"]) == sorted(a["waiting"])
            and a
        ),
        timeout=60,
        what="w1's used kernels to stop and the next one to wait",
    )
    assert after["pid"] == zygote and zygote_cluster.zygotes_of("w1") == [zygote]
    assert len(on_w1) >= 3 and after["taken"] == len(on_w1)
    assert len(after["forked"]) == len(on_w1) + 1  # and the one waiting for the next task
    assert {s["metrics"]["pid"] for s in on_w1} | set(after["waiting"]) == set(after["forked"])

    # the same values and metric as a local run
    local = run_notebook(nb, jobs=2, track=False, data_url=str(tmp_path / "local-data"))
    assert local.status == "succeeded", local.record["error"]
    assert local.record["metrics"]["total"] == runs[1].record["metrics"]["total"] == 136
    remote, here = DataStore(s3.url("zygote-1")), DataStore(str(tmp_path / "local-data"))
    for step, var in [("start", "base"), ("left", "left"), ("right", "right")]:
        assert remote.load_value(step, var) == here.load_value(step, var)
    assert all(s.get("queued_s") is None for s in local.record["steps"].values())

    # the run summary gives each task's times apart from its code's
    out = io.StringIO()
    print_summary(Console(file=out, width=240, soft_wrap=True), runs[1].record)
    text = out.getvalue()
    left = runs[1].record["steps"]["left"]
    assert f"on {left['worker']} (queued {left['queued_s']:.1f}s, start-up {left['startup_s']:.1f}s, " in text
    assert f"code {left['code_s']:.1f}s)" in text


def test_fresh_kernels_on_the_cluster_register_no_zygote(tmp_path, s3, zygote_cluster):
    """``--kernels fresh`` with ``--cluster``: no plugin, every step a fresh kernel."""
    cells = [
        ("import os\nimport notebook_ops as nbo", ["setup"]),
        ("x = 1\n" + PPID, ["step:start"]),
    ]
    nb = tmp_path / "fresh.ipynb"
    nb.write_text(json.dumps(make_notebook(cells)))
    res = run_notebook(
        nb, cluster=zygote_cluster.address, data_url=s3.url("fresh"), track=False, kernels="fresh"
    )
    assert res.status == "succeeded", res.record["error"]
    start = res.record["steps"]["start"]
    assert start["metrics"]["ppid"] == zygote_cluster.workers[start["worker"]].pid
    assert start["startup_s"] > 0 and start["code_s"] > 0
    from notebook_ops.execution.executors import pipeline_preload
    from notebook_ops.model.multi import load_pipeline

    p = load_pipeline(nb)
    preload = pipeline_preload(p) + backend_modules(s3.url("fresh"))
    assert _states(zygote_cluster, plugin_name(p.kernel_name, preload)) == {}


def _t(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _parent(pid: int) -> int | None:
    try:
        return psutil.Process(pid).ppid()
    except psutil.NoSuchProcess:
        return None


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["closed", "killed"])
def test_a_worker_that_ends_leaves_no_zygote_or_kernel(tmp_path, s3_module, s3, sig):
    """A worker running a step in a forked kernel ends: closed (SIGTERM: the plugin's teardown
    kills the zygote and the kernel) or killed outright (SIGKILL: the zygote sees its socket
    close and exits, the kernel sees its parent gone); no process of theirs is left."""
    from notebook_ops.execution.run_service import RunService

    cluster = DaskCluster(s3_module.env)
    handle = None
    try:
        cluster.start(workers=("t1",))
        cells = [
            ("import time\nimport numpy as np\nimport notebook_ops as nbo", ["setup"]),
            ("x = 1", ["step:slow"]),
            ("time.sleep(300)", []),
        ]
        nb = tmp_path / "slow.ipynb"
        nb.write_text(json.dumps(make_notebook(cells)))
        handle = RunService().start(nb, cluster=cluster.address, data_url=s3.url("teardown"), track=False)

        def forked():
            """(the zygote, the kernels it forked) once the step's kernel runs: a process the
            worker starts meanwhile (not a kernel) is not taken for it."""
            zygotes = cluster.zygotes_of("t1")
            kernels = [k for k in cluster.kernels_of("t1") if _parent(k) in zygotes]
            return (zygotes, kernels) if len(zygotes) == 1 and kernels else None

        zygotes, kernels = eventually(
            forked, timeout=180, interval=0.2, what="the step's kernel forked by t1's zygote"
        )
        worker = cluster.workers["t1"]
        os.kill(worker.pid, sig)  # the worker alone (the zygote has its own session)
        worker.wait(timeout=120)
        eventually(
            lambda: all(_gone(p) for p in [*zygotes, *kernels]),
            timeout=30,
            interval=0.2,
            what="the zygote and its kernel to be gone",
            context=lambda: cluster.log("t1")[-3000:],
        )
    finally:
        if handle is not None:
            handle.cancel()
            handle.wait(timeout=120)
        cluster.stop()


def test_a_worker_keeps_a_kernel_ahead_per_thread_and_its_teardown_kills_them(s3_module):
    """A worker with two threads keeps two kernels forked ahead from its zygote (two tasks may
    start at once); removing the plugin (its teardown, as when the worker closes) kills the
    zygote and both waiting kernels."""
    from notebook_ops.execution.cluster import Cluster

    cluster = DaskCluster(s3_module.env)
    try:
        cluster.start(workers=("t2",), threads={"t2": 2})
        conn = Cluster.connect(cluster.address, "threads-check")
        try:
            name = conn.start_zygotes("python3", ["json"])
            assert name is not None
            state = eventually(
                lambda: (s := _states(cluster, name).get("t2")) and len(s["waiting"]) == 2 and s,
                timeout=180,
                what="t2's zygote to fork two kernels ahead",
            )
            assert sorted(state["forked"]) == sorted(state["waiting"]) and state["taken"] == 0
            assert all(_parent(pid) == state["pid"] for pid in state["waiting"])
            conn.client.unregister_worker_plugin(name)
        finally:
            conn.close()
        eventually(
            lambda: all(_gone(p) for p in [state["pid"], *state["waiting"]]),
            timeout=60,
            interval=0.2,
            what="the zygote and the kernels waiting ahead to be gone",
        )
        assert cluster.zygotes_of("t2") == [] and cluster.kernels_of("t2") == []
    finally:
        cluster.stop()
