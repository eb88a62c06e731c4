"""MLflow beside the run: ``notebook-ops run`` leaves the logging to a follower process; whatever
stops it, ``runs sync`` (or the next run) logs each MLflow run exactly once. Real kernels, a real
sqlite store, read back with MlflowClient."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import make_notebook, write_notebook
from trackingkit import own
from waiting import eventually
from notebook_ops.tracking import sync
from notebook_ops.util import faults
from notebook_ops.util import procs
from clikit import run_cli

pytestmark = pytest.mark.slow
WAIT = 300  # a bound on waiting for a process on a busy machine, not a speed check

CELLS = [
    ("n = 3", ["parameters"]),
    ("import notebook_ops as nbo", ["setup"]),
    ("total = n * 2\nnbo.log_metric('total', total)", ["step:make"]),
    ("doubled = total * 2\nnbo.log_metric('doubled', doubled)", ["step:show"]),
]


@pytest.fixture(autouse=True)
def _own_store(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv(faults.ENV, raising=False)


@pytest.fixture
def project(tmp_path) -> Path:
    write_notebook(tmp_path / "t.ipynb", make_notebook(CELLS))
    return tmp_path


def nbo(*args, cwd, **env):
    return run_cli(*args, cwd=cwd, env=env, timeout=WAIT, check=True)


def gone(marker) -> None:
    """Wait until no process has ``marker`` (a run folder, an export entry) on its command line."""
    eventually(
        lambda: procs.find(str(marker)) is None,
        timeout=WAIT,
        interval=0.1,
        what=f"the processes for {marker} to end",
    )


def only_run(project: Path) -> Path:
    (run_dir,) = sorted((project / ".notebook_ops" / "runs").iterdir())
    return run_dir


def client(project: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{project / '.notebook_ops' / 'mlflow.db'}")


def logged_once(project: Path, run_id: str):
    """The parent run of ``run_id`` and its step runs, each found exactly once in the store."""
    c = client(project)
    (exp,) = [e for e in c.search_experiments() if e.name == "t"]
    parents = [
        r
        for r in c.search_runs([exp.experiment_id], f"tags.`notebook_ops.run_id` = '{run_id}'")
        if "mlflow.parentRunId" not in r.data.tags
    ]
    assert len(parents) == 1, parents
    children = c.search_runs([exp.experiment_id], f"tags.mlflow.parentRunId = '{parents[0].info.run_id}'")
    names = sorted(r.info.run_name for r in children)
    assert names == ["make", "show"], names
    return parents[0], {r.info.run_name: r for r in children}


def test_the_follower_logs_parent_and_step_runs_after_the_command_ends(project):
    out = nbo("run", "t.ipynb", "-p", "n=4", cwd=project)
    run_dir = only_run(project)
    assert "MLflow: sqlite:///" in out.stdout
    gone(run_dir)
    rec = json.loads((run_dir / "run.json").read_text())
    assert sync.logged(run_dir)["finished"] and rec["mlflow"]["error"] is None
    parent, steps = logged_once(project, rec["run_id"])
    assert rec["mlflow"]["run_id"] == parent.info.run_id
    assert parent.info.status == "FINISHED"
    assert parent.data.params == {"n": "4"}
    assert own(parent.data.metrics) == {"total": 8.0, "doubled": 16.0}
    assert parent.data.metrics["cpu_s"] == rec["cpu_s"] and parent.data.metrics["peak_mem_mb"] > 0
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    assert [a.path for a in client(project).list_artifacts(parent.info.run_id)] == ["run.json"]
    assert steps["make"].data.params == {"n": "4"} and own(steps["make"].data.metrics) == {"total": 8.0}
    assert own(steps["show"].data.metrics) == {"doubled": 16.0} and steps["show"].info.status == "FINISHED"
    arts = client(project).list_artifacts(steps["show"].info.run_id, "notebooks")
    assert [a.path for a in arts] == ["notebooks/show.ipynb"]
    # the summary said where to look; `runs show` now has the id
    shown = nbo("runs", "show", rec["run_id"], cwd=project)
    assert parent.info.run_id in shown.stdout


def test_a_killed_follower_is_made_good_by_runs_sync_exactly_once(project):
    nbo("run", "t.ipynb", cwd=project, **{faults.ENV: "tracking.follower.parent=exit:17"})
    run_dir = only_run(project)
    gone(run_dir)  # the follower died right after logging the parent run
    state = sync.logged(run_dir)
    assert state["run_id"] and not state["steps"] and not state.get("finished")
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "succeeded" and rec["mlflow"]["run_id"] is None

    out = nbo("runs", "sync", rec["run_id"], cwd=project)
    assert "2 step runs" in out.stdout
    parent, steps = logged_once(project, rec["run_id"])
    assert parent.info.run_id == state["run_id"] and parent.info.status == "FINISHED"
    assert own(parent.data.metrics) == {"total": 6.0, "doubled": 12.0}
    assert parent.data.metrics["cpu_s"] == rec["cpu_s"]  # the totals, logged by runs sync
    assert own(steps["make"].data.metrics) == {"total": 6.0}
    assert json.loads((run_dir / "run.json").read_text())["mlflow"]["run_id"] == parent.info.run_id

    out = nbo("runs", "sync", rec["run_id"], cwd=project)  # again: nothing to do
    assert "nothing to log" in out.stdout
    # the record of what was logged lost (a crash between MLflow's write and ours): the runs
    # are found in the store by their tags and completed, not logged again
    (run_dir / sync.TRACKING / sync.LOGGED).write_text("{}")
    nbo("runs", "sync", rec["run_id"], cwd=project)
    again, steps_again = logged_once(project, rec["run_id"])
    assert again.info.run_id == parent.info.run_id
    assert {k: r.info.run_id for k, r in steps_again.items()} == {k: r.info.run_id for k, r in steps.items()}
    assert own(steps_again["make"].data.metrics) == {"total": 6.0}


def test_the_next_run_logs_what_a_dead_follower_left(project):
    nbo("run", "t.ipynb", cwd=project, **{faults.ENV: "tracking.follower.parent=exit:17"})
    first = only_run(project)
    gone(first)
    assert not sync.logged(first).get("finished")
    nbo("run", "t.ipynb", cwd=project)  # fully cached; its follower catches up on the first
    second = max((project / ".notebook_ops" / "runs").iterdir())
    gone(second)
    gone(first)
    for run_dir in (first, second):
        assert sync.logged(run_dir)["finished"]
        parent, steps = logged_once(project, run_dir.name)
        assert parent.info.status == "FINISHED"
    assert steps["make"].data.tags["cached"] == "true"


def test_an_export_whose_follower_died_is_logged_once_by_runs_sync(project, monkeypatch):
    from notebook_ops.bundle import export_notebook

    # the follower dies after creating the run
    monkeypatch.setenv(faults.ENV, "tracking.follower.export=exit:17")
    r = export_notebook(
        project / "t.ipynb", out_dir=project / "dist", tag=False, allow_dirty=True, track="process"
    )
    monkeypatch.delenv(faults.ENV)
    assert r.mlflow_run_id is None and r.mlflow_pending.is_file()
    gone(r.mlflow_pending)
    entry = json.loads(r.mlflow_pending.read_text())
    assert entry["mlflow_run_id"] is None

    def export_runs():
        c = client(project)
        (exp,) = [e for e in c.search_experiments() if e.name == "t"]
        return c.search_runs([exp.experiment_id], f"tags.`notebook_ops.export_id` = '{entry['id']}'")

    (half,) = export_runs()
    assert half.info.status == "RUNNING"
    out = nbo("runs", "sync", cwd=project)
    assert f"export {entry['id']}: MLflow run {half.info.run_id}" in out.stdout
    nbo("runs", "sync", cwd=project)
    (run,) = export_runs()
    assert run.info.run_id == half.info.run_id and run.info.status == "FINISHED"
    assert run.data.params["version"] == "1" and run.data.tags["notebook_ops.kind"] == "export"
    names = sorted(a.path for a in client(project).list_artifacts(run.info.run_id, "bundle"))
    assert names == ["bundle/pipeline.yaml", "bundle/t-v1.tar.gz"]
    assert json.loads(r.mlflow_pending.read_text())["mlflow_run_id"] == run.info.run_id


def test_a_killed_run_ends_failed_in_mlflow_and_its_follower_stops(project):
    import signal

    cells = [*CELLS[:3], ("import time\ntime.sleep(600)", ["step:slow"])]
    write_notebook(project / "t.ipynb", make_notebook(cells))
    cli = subprocess.Popen(
        [sys.executable, "-m", "notebook_ops", "run", "t.ipynb", "--quiet"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its group: the runner and its kernels (the follower has its own)
    )
    try:

        def slow_step_running() -> Path | None:  # and the follower logged what came before it
            assert cli.poll() is None, "the run ended before it could be killed"
            runs = project / ".notebook_ops" / "runs"
            run_dir = next(iter(runs.iterdir()), None) if runs.is_dir() else None
            rec = sync.read_json(run_dir / "run.json") if run_dir else None
            if (
                rec
                and rec["steps"]["slow"]["status"] == "running"
                and "make" in sync.logged(run_dir).get("steps", {})
            ):
                return run_dir
            return None

        run_dir = eventually(slow_step_running, timeout=WAIT, interval=0.1, what="the slow step to run")
        follower = procs.find(str(run_dir))
        below = [(pid, t) for pid, t in procs.descendants(cli.pid) if pid != follower]
        procs.signal_tree(cli.pid, below, signal.SIGKILL)  # the runner, its zygote and kernels
        cli.wait()
        assert follower is not None
        gone(run_dir)
    finally:
        if cli.poll() is None:
            cli.kill()
    state = sync.logged(run_dir)
    assert state["finished"] and sorted(state["steps"]) == ["make"]
    c = client(project)
    parent = c.get_run(state["run_id"])
    assert parent.info.status == "FAILED" and parent.data.tags["notebook_ops.status"] == "failed"
    (make,) = c.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert make.info.run_name == "make" and make.info.status == "FINISHED"
    assert "nothing to log" in nbo("runs", "sync", run_dir.name, cwd=project).stdout
