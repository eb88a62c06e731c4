"""``notebook-ops run --cluster``: steps as tasks on a real Dask scheduler and two worker processes
on loopback, each in an empty folder of its own, data in a real S3 server (moto) only.

The diamond's branches run on different workers at once, with a local module and a data file that
travel with the tasks; the example gives the same metrics as a local run; a worker killed mid-step
has its step run again on the other one; cancelling kills the remote kernel; wrong credentials,
an unknown resource or an unreachable scheduler stop the run in one line before any step.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import pytest

from nbfactory import EXAMPLES, make_notebook
from notebook_ops.execution import run_notebook
from notebook_ops.kernel_side.data_store import DataStore
from s3server import s3_server
from waiting import eventually
from clikit import run_cli

pytestmark = pytest.mark.slow

DIAMOND = [
    ("import time\nimport notebook_ops as nbo\nfrom helpers import double", ["setup"]),
    ("delay = 2.0", ["parameters"]),
    ("import pandas as pd\nbase = int(pd.read_csv('data/base.csv')['v'].sum())", ["step:start"]),
    ("time.sleep(delay)\nleft = double(base)", ["step:left", "after:start"]),
    ("time.sleep(delay)\nright = base + 1", ["step:right", "after:start"]),
    ("total = left + right\nnbo.log_metric('total', total)", ["step:join", "after:left", "after:right"]),
]


def _project(tmp_path: Path, cells, metadata=None) -> Path:
    """A notebook with a local module and a data file beside it (both travel with the tasks)."""
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    (proj / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (proj / "data" / "base.csv").write_text("v\n1\n2\n3\n")
    nb = proj / "pipeline.ipynb"
    nb.write_text(json.dumps(make_notebook(cells, metadata)))
    return nb


def _t(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_diamond_branches_on_two_workers_same_results_as_local(tmp_path, s3, dask_cluster):
    meta = {"notebook_ops": {"steps": {"join": {"resources": {"gpu": 1, "cpu": 1, "memory": "1Gi"}}}}}
    nb = _project(tmp_path, DIAMOND, meta)
    res = run_notebook(nb, cluster=dask_cluster.address, data_url=s3.url("diamond"), track=False)
    rec = res.record
    assert res.status == "succeeded", rec["error"]
    steps = rec["steps"]
    # the branches ran at the same time, on different workers
    assert {steps["left"]["worker"], steps["right"]["worker"]} == {"w1", "w2"}
    assert _t(steps["left"]["started_at"]) < _t(steps["right"]["finished_at"])
    assert _t(steps["right"]["started_at"]) < _t(steps["left"]["finished_at"])
    # join asked for a GPU, which only w2 declares (cpu and memory: hints no worker declares)
    assert steps["join"]["worker"] == "w2"
    assert rec["options"]["cluster"] == dask_cluster.address
    assert rec["metrics"] == {"total": 19}
    # the run folder stays here: executed notebooks and logs came back from the workers
    for name in steps:
        assert json.loads(Path(steps[name]["notebook"]).read_text())["cells"]
        assert Path(steps[name]["log"]).is_file()
    assert not (res.run_dir / "data").exists()
    # the outputs are in S3 only, the same as a local run's
    local = run_notebook(nb, jobs=2, track=False, data_url=str(tmp_path / "local-data"))
    assert local.status == "succeeded", local.record["error"]
    remote_store, local_store = DataStore(s3.url("diamond")), DataStore(str(tmp_path / "local-data"))
    for step, name in [("start", "base"), ("left", "left"), ("right", "right")]:
        assert remote_store.load_value(step, name) == local_store.load_value(step, name)
    assert local.record["metrics"] == rec["metrics"]
    # the workers never saw the project's folder: their own folders hold no copy of it
    for w in ("w1", "w2"):
        left = [p for p in (dask_cluster.root / w).rglob("*") if p.name in ("helpers.py", "base.csv")]
        assert left == []


def test_example_on_the_cluster_same_metrics_as_local(tmp_path, s3, dask_cluster):
    shutil.copy(EXAMPLES / "churn.ipynb", tmp_path / "churn.ipynb")
    res = run_notebook(tmp_path / "churn.ipynb", cluster=dask_cluster.address, data_url=s3.url("churn"))
    assert res.status == "succeeded", res.record["error"]
    steps = res.record["steps"]
    assert {s["worker"] for s in steps.values()} <= {"w1", "w2"}
    assert {steps["train_linear"]["worker"], steps["train_tree"]["worker"]} == {"w1", "w2"}
    # MLflow is written on this machine
    assert res.record["mlflow"]["tracking_uri"].startswith("sqlite:")
    assert (tmp_path / ".notebook_ops").is_dir()
    local = run_notebook(tmp_path / "churn.ipynb", jobs=2, track=False)
    assert local.status == "succeeded"
    assert res.record["metrics"] == local.record["metrics"]
    assert res.record["metrics"]["accuracy"] >= 0.8


SLOW = [
    ("import time\nimport notebook_ops as nbo", ["setup"]),
    ("sleep_s = 12.0", ["parameters"]),
    ("x = 1", ["step:first"]),
    ("time.sleep(sleep_s)\ny = x + 1", ["step:slow"]),
]


def _wait_worker(run_dir_holder: dict, step: str, timeout: float = 120) -> str:
    """The worker a running step was placed on (read from run.json as it is written)."""

    def worker() -> str | None:
        rd = run_dir_holder.get("run_dir")
        if rd and (Path(rd) / "run.json").is_file():
            try:
                s = json.loads((Path(rd) / "run.json").read_text())["steps"][step]
            except (ValueError, KeyError):
                s = {}
            if s.get("status") == "running" and s.get("worker"):
                return s["worker"]
        return None

    return eventually(worker, timeout=timeout, interval=0.1, what=f"step {step} to start on a worker")


def _start(nb, **kw):
    from notebook_ops.execution.run_service import RunService

    holder: dict = {}

    def progress(ev):
        holder.setdefault("run_dir", ev["run"]["run_dir"])

    handle = RunService().start(nb, progress=progress, **kw)
    return handle, holder


def test_killed_worker_mid_step_is_retried_elsewhere(tmp_path, s3, dask_cluster):
    nb = _project(tmp_path, SLOW, {"notebook_ops": {"steps": {"slow": {"retries": 1}}}})
    handle, holder = _start(nb, cluster=dask_cluster.address, data_url=s3.url("killed"), track=False)
    victim = _wait_worker(holder, "slow")
    other = ({"w1", "w2"} - {victim}).pop()
    try:
        dask_cluster.kill_worker(victim)
        res = handle.wait(timeout=240)
    finally:
        dask_cluster.start_worker(victim, "gpu=1" if victim == "w2" else None)
        dask_cluster.wait_workers(2)
    slow = res.record["steps"]["slow"]
    assert res.status == "succeeded", res.record["error"]
    assert slow["worker"] == other
    assert slow["attempts"] == 2


def test_killed_worker_without_retries_fails_the_step(tmp_path, s3, dask_cluster):
    nb = _project(tmp_path, SLOW)
    handle, holder = _start(nb, cluster=dask_cluster.address, data_url=s3.url("lost"), track=False)
    victim = _wait_worker(holder, "slow")
    try:
        dask_cluster.kill_worker(victim)
        res = handle.wait(timeout=240)
    finally:
        dask_cluster.start_worker(victim, "gpu=1" if victim == "w2" else None)
        dask_cluster.wait_workers(2)
    slow = res.record["steps"]["slow"]
    assert res.status == "failed"
    assert slow["error"] == f"worker {victim} was lost while running the step (retries: 0)"
    assert slow["attempts"] == 1


def test_cancel_kills_the_remote_kernel(tmp_path, s3, dask_cluster):
    nb = _project(tmp_path, SLOW)
    handle, holder = _start(
        nb, params={"sleep_s": 300}, cluster=dask_cluster.address, data_url=s3.url("cancel"), track=False
    )
    worker = _wait_worker(holder, "slow")
    eventually(lambda: _busy_kernels(dask_cluster, worker), interval=0.1, what="the step's kernel to start")
    handle.cancel()
    res = handle.wait(timeout=60)
    assert res.status == "cancelled"
    assert res.record["steps"]["slow"]["status"] == "cancelled"
    # the kernel on the worker was stopped (its step would have slept five minutes); only the
    # kernel forked ahead for the next task is left
    eventually(
        lambda: _busy_kernels(dask_cluster, worker) == set(),
        timeout=60,
        interval=0.1,
        what="the worker's kernel to stop",
    )


def _busy_kernels(cluster, worker: str) -> set[int]:
    """The worker's kernels that are not waiting for a task (worker_zygote.KernelsAhead)."""
    from notebook_ops.execution.worker_zygote import zygote_states

    waiting: set[int] = set()
    with cluster.client() as c:
        names = {a: str(w["name"]) for a, w in c.scheduler_info(n_workers=-1)["workers"].items()}
        for addr, states in c.run(zygote_states).items():
            if names.get(addr) == worker:
                waiting |= {pid for state in states.values() for pid in state["waiting"]}
    return set(cluster.kernels_of(worker)) - waiting


_cli = partial(run_cli, "run", timeout=240)


def test_wrong_credentials_one_line_before_any_step(tmp_path, s3, dask_cluster):
    nb = _project(tmp_path, DIAMOND)
    with s3_server("nbo-secure", auth=True) as secure:
        url = secure.url("runs")
        wrong = secure.env_with(secret="not-the-secret")
        proc = _cli(str(nb), "--cluster", dask_cluster.address, "--data-url", url, "--no-track", env=wrong)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines[0].startswith(f"error: the data store {url} cannot be written and read: PermissionError")
        assert "Traceback" not in proc.stderr and "not-the-secret" not in proc.stderr
        assert not (nb.parent / ".notebook_ops" / "runs").exists() or not any(
            (nb.parent / ".notebook_ops" / "runs").iterdir()
        )
        # right credentials here, but the workers' environment points at another server,
        # which has no such bucket: refused up front, and no bucket is made
        proc = _cli(
            str(nb), "--cluster", dask_cluster.address, "--data-url", url, "--no-track", env=secure.env
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: worker w"), proc.stderr
        assert f"cannot use the data store {url}: FileNotFoundError" in proc.stderr
        assert "nbo-secure" not in s3.fs().ls("")
        assert secure.fs().ls(f"{secure.bucket}") == []  # no step wrote anything


def test_cluster_refusals_before_any_step(tmp_path, s3, dask_cluster):
    from notebook_ops.errors import NotebookOpsError

    meta = {"notebook_ops": {"steps": {"left": {"resources": {"gpu": 2}}}}}
    nb = _project(tmp_path, DIAMOND, meta)
    with pytest.raises(NotebookOpsError, match="step left: needs gpu=2; the most any worker has is 1"):
        run_notebook(nb, cluster=dask_cluster.address, data_url=s3.url("refused"), track=False)
    with pytest.raises(NotebookOpsError, match="needs a data store every worker reaches"):
        run_notebook(nb, cluster=dask_cluster.address, track=False)
    assert not (nb.parent / ".notebook_ops" / "runs").exists()
    proc = _cli(
        str(nb), "--cluster", "tcp://127.0.0.1:9", "--data-url", s3.url("x"), "--no-track", env=s3.env
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_cluster_from_the_environment_and_local(tmp_path, s3, dask_cluster, monkeypatch):
    nb = _project(tmp_path, DIAMOND[:3])
    monkeypatch.setenv("NOTEBOOK_OPS_CLUSTER", dask_cluster.address)
    res = run_notebook(nb, data_url=s3.url("env"), track=False)
    assert res.status == "succeeded", res.record["error"]
    assert res.record["steps"]["start"]["worker"] in ("w1", "w2")
    res = run_notebook(nb, cluster="local", data_url=s3.url("env2"), track=False)
    assert res.status == "succeeded", res.record["error"]
    assert res.record["steps"]["start"]["worker"] is None
    assert res.record["options"]["cluster"] is None


def test_a_secret_reaches_the_remote_step_and_is_written_nowhere(tmp_path, s3, dask_cluster):
    """A secret parameter travels to the worker in the task (never in a file), reaches the
    kernel through its environment; the run folder, the workers' folders and the S3 store hold
    only ``***``."""
    secret = "s3cr3t-CLUSTER-VALUE"
    cells = [
        ("import notebook_ops as nbo", ["setup"]),
        ('api_token = ""  # secret', ["parameters"]),
        ('print("token", api_token)\nnbo.log_metric("token_len", len(api_token))\nx = 1', ["step:use"]),
    ]
    nb = _project(tmp_path, cells)
    res = run_notebook(
        nb, params={"api_token": secret}, cluster=dask_cluster.address, data_url=s3.url("sec"), track=False
    )
    assert res.status == "succeeded", res.record["error"]
    assert (
        res.record["metrics"] == {"token_len": len(secret)} and res.record["parameters"]["api_token"] == "***"
    )
    assert "token ***" in Path(res.record["steps"]["use"]["notebook"]).read_text()
    import fsspec

    fs, root = fsspec.core.url_to_fs(s3.url("sec"))
    stored = [fs.cat_file(p) for p in fs.find(root)]
    assert stored and not any(secret.encode() in b for b in stored)
    for folder in (tmp_path, dask_cluster.root):
        assert not [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
