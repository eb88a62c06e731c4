"""A bundle run as orchestrator tasks (``run-step``, each step in its own empty folder, one
shared data store, one MLflow sqlite store) registers the model its step logs with the bundle's
lineage, as a local run does; the last step finishes the run and applies the promote setting,
whose promotion is a ``model.promoted`` event."""

from __future__ import annotations

import json

import pytest
import yaml

from clikit import run_cli
from nbfactory import write_nb
from notebook_ops.events import schema
from trackingkit import MODEL_CELLS, free_port, predict, scoring_server

SETTINGS = {
    "metric_targets": {"accuracy": ">= 0.9"},
    "promote": {"model": "churn-clf", "alias": "champion"},
}


@pytest.fixture(scope="module")
def orchestrated(tmp_path_factory):
    """The bundle exported, then its steps run as two tasks of one orchestrator run."""
    tmp_path = tmp_path_factory.mktemp("orchestrated")
    project = tmp_path / "project"
    project.mkdir()
    write_nb(project, "churn.ipynb", MODEL_CELLS, {"notebook_ops": SETTINGS})
    exported = run_cli("export", "churn.ipynb", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "churn-v1"
    manifest = yaml.safe_load((bundle / "pipeline.yaml").read_text())
    # the manifest lists the models each step registers (read from the code)
    assert {s["name"]: s.get("models") for s in manifest["steps"]} == {
        "data": None,
        "train": [{"name": "churn-clf"}],
    }

    data, registry, sink = tmp_path / "data", tmp_path / "registry" / "mlflow.db", tmp_path / "events.jsonl"
    registry.parent.mkdir()
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{registry}", "NOTEBOOK_OPS_EVENTS": str(sink)}
    results = {}
    for step in ("data", "train"):
        task = tmp_path / f"task-{step}"  # each task in its own empty folder
        task.mkdir()
        ran = run_cli(
            "run-step",
            bundle,
            step,
            "--data",
            data,
            "--run-id",
            "orch-7",
            "--json",
            cwd=task,
            env=env,
            timeout=600,
        )
        assert ran.returncode == 0, ran.stderr
        results[step] = json.loads(ran.stdout)
        assert not (task / ".notebook_ops").exists()  # everything went to the shared store
    return tmp_path, bundle, manifest, registry, env, results


def test_run_step_registers_the_steps_model_with_the_bundle_lineage_and_promotes(orchestrated):
    tmp_path, bundle, manifest, registry, env, results = orchestrated
    data, sink = tmp_path / "data", tmp_path / "events.jsonl"
    assert results["data"]["models"] == {} and results["data"]["promotion"] is None
    assert results["train"]["models"] == {"churn-clf": "1"}
    assert results["train"]["tracking_error"] is None
    promotion = results["train"]["promotion"]
    assert promotion["promoted"] is True and promotion["version"] == "1"

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    version = client.get_model_version_by_alias("churn-clf", "champion")
    tags = version.tags
    assert (tags["notebook_ops.bundle"], tags["notebook_ops.bundle_version"]) == ("churn", "1")
    assert tags["notebook_ops.bundle_content_sha256"] == manifest["content_sha256"]
    assert (tags["notebook_ops.run_id"], tags["notebook_ops.step"]) == ("orch-7", "train")
    assert json.loads(tags["notebook_ops.parameters"]) == {"C": 1.0}
    assert len(tags["notebook_ops.inputs"]) == 32
    # one parent run for the two tasks, finished with the run's outcome, a nested run per step
    step_run = client.get_run(version.run_id)
    parent = client.get_run(step_run.data.tags["mlflow.parentRunId"])
    assert parent.data.tags["notebook_ops.run_id"] == "orch-7"
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    assert parent.data.tags["target.accuracy"] == ">= 0.9 -> met"
    assert "champion: promoted" in parent.data.tags["notebook_ops.promotion"]
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(r.data.tags["notebook_ops.step"] for r in children) == ["data", "train"]
    # the promotion is an event on the configured sinks
    (event,) = [json.loads(line) for line in sink.read_text().splitlines() if line.strip()]
    schema.validate(event)
    assert (event["type"], event["data"]["origin"], event["data"]["run_id"]) == (
        "model.promoted",
        "setting",
        "orch-7",
    )

    # the text output names the version and the promotion; no store: nothing is tracked
    again = run_cli(
        "run-step",
        bundle,
        "train",
        "--data",
        data,
        "--run-id",
        "orch-8",
        cwd=tmp_path / "task-train",
        env=env,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert "registered churn-clf version 2" in again.stdout
    assert "churn-clf v2 -> champion: promoted" in again.stdout
    untracked = run_cli(
        "run-step",
        bundle,
        "train",
        "--data",
        data,
        "--json",
        cwd=tmp_path / "task-train",
        env={"MLFLOW_TRACKING_URI": None, "NOTEBOOK_OPS_EVENTS": None},
        timeout=600,
    )
    assert untracked.returncode == 0, untracked.stderr
    assert json.loads(untracked.stdout)["models"] == {}
    assert len(client.search_model_versions("name = 'churn-clf'")) == 2


def test_the_bundles_serve_stage_serves_the_champion(orchestrated):
    """What the Dockerfile's ``serve`` stage runs (its ENTRYPOINT + CMD, MODEL as the build's
    default, MLFLOW_TRACKING_URI given at ``docker run``) answers predictions of the champion;
    here on loopback and in this environment, as Docker is not on the test machines."""

    from clikit import CLI, cli_env
    from dockerkit import parse

    tmp_path, bundle, _, _, env, _ = orchestrated
    serve = next(s for s in parse((bundle / "Dockerfile").read_text()) if s.name == "serve")
    command = serve.command()
    assert command[:3] == ["notebook-ops", "models", "serve"]
    model = serve.args["MODEL"]
    assert model == "models:/churn-clf@champion"  # the promote setting's model and alias
    port = free_port()
    args = command[3:]
    args[args.index("--host") + 1] = "127.0.0.1"  # the image listens on 0.0.0.0; loopback here
    args[args.index("--port") + 1] = str(port)
    workdir = tmp_path / "serve"
    workdir.mkdir()
    env = cli_env({**env, "NOTEBOOK_OPS_MODEL": model})
    with scoring_server([*CLI, "models", "serve", *args], port, cwd=workdir, env=env) as url:
        assert predict(url, [[2.0, 0.1, 0.3], [-2.0, 0.0, 0.5]]) == [1, 0]


def test_a_broken_tracking_store_never_fails_the_step(orchestrated):
    """The step's outcome stands; why MLflow has nothing is in the result (and on stderr)."""
    tmp_path, bundle, *_ = orchestrated
    task = tmp_path / "task-broken"
    task.mkdir()
    ran = run_cli(
        "run-step",
        bundle,
        "data",
        "--data",
        tmp_path / "data-broken",
        "--tracking-uri",
        "sqlite:////proc/no-such-folder/mlflow.db",
        cwd=task,
        env={"MLFLOW_TRACKING_URI": None, "NOTEBOOK_OPS_EVENTS": None},
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr
    assert "step data succeeded" in ran.stdout
    assert "warning: MLflow not written:" in ran.stderr and "Traceback" not in ran.stderr


def test_tasks_with_stores_of_their_own_finish_the_run_with_every_steps_metrics(tmp_path):
    """Kubeflow Pipelines' way: each task has a store of its own holding only its producers'
    data (``--stage-in``/``--stage-out``). The last task still finishes the run, judging the
    targets on every step's metrics: those of a step it never saw come from that step's MLflow run."""
    cells = [
        ("import notebook_ops as nbo", ["setup"]),
        ("n = 20", ["parameters"]),
        ("values = list(range(n))\nnbo.log_metric('rows', len(values))", ["step:first"]),
        ("total = sum(values)", ["step:middle"]),
        ("mean = total / n\nnbo.log_metric('mean', mean)", ["step:last"]),
    ]
    project = tmp_path / "project"
    project.mkdir()
    write_nb(
        project, "chain.ipynb", cells, {"notebook_ops": {"metric_targets": {"rows": ">= 10", "mean": ">= 5"}}}
    )
    exported = run_cli("export", "chain.ipynb", "--target", "none", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "chain-v1"
    registry = tmp_path / "registry.db"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{registry}", "NOTEBOOK_OPS_EVENTS": None}
    out = tmp_path / "artifacts"
    staging = {
        "first": [],
        "middle": ["--stage-in", "first", out / "first"],
        "last": ["--stage-in", "middle", out / "middle"],
    }
    for step, stage_in in staging.items():
        task = tmp_path / f"task-{step}"
        task.mkdir()
        ran = run_cli(
            "run-step",
            bundle,
            step,
            "--data",
            task / "store",  # a store of its own, as a fresh container has
            *stage_in,
            "--stage-out",
            out / step,
            "--run-id",
            "kfp-job-1",
            "--json",
            cwd=task,
            env=env,
            timeout=600,
        )
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["tracking_error"] is None
    assert not (tmp_path / "task-last" / "store" / "first").exists()  # the last task never saw it

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    (parent,) = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], "tags.`notebook_ops.run_id` = 'kfp-job-1'"
    )
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    assert parent.data.tags["target.rows"] == ">= 10 -> met"
    assert parent.data.metrics["rows"] == 20 and parent.data.metrics["mean"] == 9.5


FORK_CELLS = [
    ("import notebook_ops as nbo", ["setup"]),
    ("n = 20\nfail_right = False", ["parameters"]),
    ("values = list(range(n))\nnbo.log_metric('rows', len(values))", ["step:first"]),
    ("low = min(values)\nnbo.log_metric('low', low)", ["step:left", "after:first"]),
    (
        "assert not fail_right, 'asked to fail'\nhigh = max(values)\nnbo.log_metric('high', high)",
        ["step:right", "after:first"],
    ),
]


def _fork_task(tmp_path, bundle, env, run_id: str, step: str, *params: str):
    """One task the KFP way: a store of its own, its producer's data staged in."""
    out = tmp_path / run_id
    task = tmp_path / f"{run_id}-{step}"
    task.mkdir()
    stage_in = ["--stage-in", "first", out / "first"] if step != "first" else []
    return run_cli(
        "run-step",
        bundle,
        step,
        "--data",
        task / "store",
        *stage_in,
        "--stage-out",
        out / step,
        "--run-id",
        run_id,
        *[a for p in params for a in ("-p", p)],
        "--json",
        cwd=task,
        env=env,
        timeout=600,
    )


def _parent(registry, run_id: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    (parent,) = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], f"tags.`notebook_ops.run_id` = '{run_id}'"
    )
    return parent


def test_the_last_of_several_final_steps_finishes_the_run(tmp_path):
    """Two steps end the pipeline, and neither task sees the other's data (Kubeflow Pipelines).
    The first to end leaves the run open, the second finishes it with every step's metrics; a
    failed final step's task finishes it as failed, and a later success does not undo that."""
    project = tmp_path / "project"
    project.mkdir()
    write_nb(project, "fork.ipynb", FORK_CELLS, {"notebook_ops": {"metric_targets": {"high": ">= 10"}}})
    exported = run_cli("export", "fork.ipynb", "--target", "none", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "fork-v1"
    registry = tmp_path / "registry.db"
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{registry}", "NOTEBOOK_OPS_EVENTS": None}

    for step in ("first", "left"):
        ran = _fork_task(tmp_path, bundle, env, "job-1", step)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout)["tracking_error"] is None
    open_run = _parent(registry, "job-1")
    assert open_run.info.status == "RUNNING" and "notebook_ops.status" not in open_run.data.tags
    ran = _fork_task(tmp_path, bundle, env, "job-1", "right")
    assert ran.returncode == 0, ran.stderr
    done = _parent(registry, "job-1")
    assert done.info.status == "FINISHED" and done.data.tags["notebook_ops.status"] == "succeeded"
    assert done.data.tags["target.high"] == ">= 10 -> met"
    assert {k: done.data.metrics[k] for k in ("rows", "low", "high")} == {"rows": 20, "low": 0, "high": 19}

    assert _fork_task(tmp_path, bundle, env, "job-2", "first").returncode == 0
    failed = _fork_task(tmp_path, bundle, env, "job-2", "right", "fail_right=True")
    assert failed.returncode != 0
    assert _parent(registry, "job-2").data.tags["notebook_ops.status"] == "failed"
    assert _fork_task(tmp_path, bundle, env, "job-2", "left").returncode == 0
    after = _parent(registry, "job-2")
    assert after.info.status == "FAILED" and after.data.tags["notebook_ops.status"] == "failed"


def test_two_final_tasks_that_see_every_step_done_finish_the_run_once():
    """Both check after both logged their runs: the one that ended last finishes (then by name)."""
    from nbfactory import make_notebook
    from notebook_ops.deploy.step_tracking import _finished
    from notebook_ops.model.build import build_pipeline

    pipeline = build_pipeline(make_notebook(FORK_CELLS))
    everything = {"first": 100, "left": 300, "right": 200}
    assert [s for s in ("left", "right") if _finished(pipeline, s, lambda: everything)] == ["left"]
    tied = {"first": 100, "left": 300, "right": 300}
    assert [s for s in ("left", "right") if _finished(pipeline, s, lambda: tied)] == ["right"]
    # one that checks before the other has ended leaves the run to it
    assert not _finished(pipeline, "right", lambda: {"first": 100, "right": 200})
    assert not _finished(pipeline, "first", lambda: everything)  # steps come after it


def test_first_steps_that_start_together_share_one_parent_run(tmp_path):
    """Two notebooks feed a third: both first tasks start at once, find no parent run and make
    one each (a fault point holds each 8 s between its search and its make, longer than their
    starts differ). Both then take the first made, the other is deleted, and the joining task
    finishes that one run with all three steps."""
    import subprocess

    from clikit import CLI, cli_env

    project = tmp_path / "project"
    project.mkdir()
    write_nb(project, "ingest_a.ipynb", ["a = list(range(10))"])
    write_nb(project, "ingest_b.ipynb", ["b = list(range(5))"])
    total = "import notebook_ops as nbo\nnbo.log_metric('total', len(a) + len(b))"
    write_nb(project, "join.ipynb", [(total, ["after:ingest_a", "after:ingest_b"])])
    exported = run_cli("export", "join.ipynb", "--target", "none", cwd=project, timeout=600)
    assert exported.returncode == 0, exported.stderr
    bundle = project / "dist" / "join-v1"
    registry = tmp_path / "registry.db"
    env = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{registry}",
        "NOTEBOOK_OPS_EVENTS": None,
        "NOTEBOOK_OPS_FAULTS": "tracking.parent.before_create=sleep:8",
    }

    def task(step: str) -> list[str]:
        (tmp_path / step).mkdir()
        return [*CLI, "run-step", str(bundle), step, "--data", str(tmp_path / "data"), "--run-id", "j1"]

    first = [
        subprocess.Popen(task(s), cwd=tmp_path / s, env=cli_env(env), stderr=subprocess.PIPE, text=True)
        for s in ("ingest_a", "ingest_b")
    ]
    for proc in first:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and "MLflow not written" not in err, err
    joined = task("join")
    ran = subprocess.run(joined, cwd=tmp_path / "join", env=cli_env(env), capture_output=True, text=True)
    assert ran.returncode == 0 and "MLflow not written" not in ran.stderr, ran.stderr

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    tagged = client.search_runs(experiments, "tags.`notebook_ops.run_id` = 'j1'")
    (parent,) = [r for r in tagged if "mlflow.parentRunId" not in r.data.tags]
    deleted = client.search_runs(experiments, "tags.`notebook_ops.run_id` = 'j1'", run_view_type=2)
    assert len(deleted) == 1  # the second one made, by the task that lost
    assert parent.info.status == "FINISHED" and parent.data.tags["notebook_ops.status"] == "succeeded"
    children = client.search_runs(experiments, f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(c.data.tags["notebook_ops.step"] for c in children) == ["ingest_a", "ingest_b", "join"]
    assert parent.data.metrics["total"] == 15
