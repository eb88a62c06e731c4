"""Orchestrator tasks (``run-step``, each in its own empty folder) tell the bundle's alerts of
the run's outcome as a local run does: the task that finishes the run sends ``target.missed``,
a failed task ``run.failed`` (tracked or not), and a task that ends well in a run still going
sends nothing. A real webhook receiver gets them through the outbox."""

from __future__ import annotations

from clikit import run_cli
from nbfactory import write_nb

CELLS = [
    ("import notebook_ops as nbo", ["setup"]),
    ("n = 20\nbroken = False", ["parameters"]),
    ("values = list(range(n))\nnbo.log_metric('rows', len(values))", ["step:data"]),
    ("assert not broken, 'the mean is broken'\nnbo.log_metric('mean', sum(values) / n)", ["step:stats"]),
]


def _bundle(tmp_path, hook, monkeypatch):
    monkeypatch.setenv("FORK_ALERTS_URL", f"{hook.url}/ops")
    project = tmp_path / "project"
    project.mkdir()
    settings = {
        "metric_targets": {"mean": ">= 50"},  # 9.5: missed
        "alerts": [{"to": "env:FORK_ALERTS_URL", "on": ["run.failed", "target.missed"]}],
    }
    write_nb(project, "stats.ipynb", CELLS, {"notebook_ops": settings})
    exported = run_cli("export", "stats.ipynb", "--target", "none", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    return project / "dist" / "stats-v1"


def _task(tmp_path, bundle, step, run_id, env, *params):
    task = tmp_path / f"{run_id}-{step}"
    task.mkdir()
    args = [a for p in params for a in ("-p", p)]
    return run_cli(
        "run-step", bundle, step, "--data", tmp_path / run_id, "--run-id", run_id, *args, cwd=task, env=env
    )


def test_the_task_that_finishes_a_tracked_run_tells_its_missed_target(tmp_path, hook, monkeypatch):
    bundle = _bundle(tmp_path, hook, monkeypatch)
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'registry.db'}"}
    assert _task(tmp_path, bundle, "data", "r1", env).returncode == 0
    assert hook.got == []  # the run goes on
    ran = _task(tmp_path, bundle, "stats", "r1", env)
    assert ran.returncode == 0, ran.stderr
    assert [g["body"]["alert"]["id"] for g in hook.got] == ["target.missed:r1"]
    assert "mean 9.5 (target >= 50)" in hook.got[0]["body"]["alert"]["text"]


def test_a_failed_task_tells_the_run_failed_tracked_or_not(tmp_path, hook, monkeypatch):
    bundle = _bundle(tmp_path, hook, monkeypatch)
    untracked = {"MLFLOW_TRACKING_URI": None}
    assert _task(tmp_path, bundle, "data", "r2", untracked).returncode == 0
    failed = _task(tmp_path, bundle, "stats", "r2", untracked, "broken=True")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert [g["body"]["alert"]["id"] for g in hook.got] == ["run.failed:r2"]
    assert "step stats" in hook.got[0]["body"]["alert"]["text"]
    assert "the mean is broken" in hook.got[0]["body"]["alert"]["text"]

    tracked = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'registry.db'}"}
    assert _task(tmp_path, bundle, "data", "r3", tracked).returncode == 0
    assert _task(tmp_path, bundle, "stats", "r3", tracked, "broken=True").returncode == 1
    assert [g["body"]["alert"]["id"] for g in hook.got] == ["run.failed:r2", "run.failed:r3"]
