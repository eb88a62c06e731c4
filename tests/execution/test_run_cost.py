"""The cost of a run, measured on real kernels: each step's CPU seconds and peak memory in
run.json and MLflow, the same for a bundle's ``run-step``, and ``runs stats`` per bundle version
(table, JSON, plot) with the pipeline's ``cost_per_cpu_hour``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import make_notebook, write_notebook
from notebook_ops.bundle import export_notebook
from notebook_ops.execution import run_notebook

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
RATE = 0.05  # per CPU hour
CELLS = [
    ("import time\nimport notebook_ops as nbo", ["setup"]),
    ("score = 1.0  # the metric the run logs", ["parameters"]),
    (  # ~0.6 s of CPU, counted by the kernel itself, whatever the machine's load
        "t0 = time.process_time()\nspins = 0\nwhile time.process_time() - t0 < 0.6:\n    spins += 1",
        ["step:burn"],
    ),
    ("time.sleep(0.6)", ["step:rest"]),
    (  # 200 MiB written (not just reserved), held a moment, freed before the step ends
        "block = b'x' * (200 * 2**20)\ntime.sleep(1.0)\ndel block\nnbo.log_metric('score', score)",
        ["step:alloc"],
    ),
]
SETTINGS = {
    "notebook_ops": {"name": "costly", "metric_targets": {"score": ">= 0.5"}, "cost_per_cpu_hour": RATE}
}


def _cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200")  # a table as wide as a terminal may be
    return subprocess.run(
        [sys.executable, "-m", "notebook_ops", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A notebook run twice (tracked; the second misses its target) and its bundle v1 run once,
    all from the project folder (one runs folder)."""
    root = tmp_path_factory.mktemp("cost") / "proj"
    root.mkdir()
    nb = write_notebook(root / "costly.ipynb", make_notebook(CELLS, SETTINGS))
    first = run_notebook(nb, cache=False)
    second = run_notebook(nb, params={"score": 0.25}, cache=False, track=False)
    bundle = export_notebook(nb, out_dir=root / "dist", track=False, allow_dirty=True, target_names=[])
    ran = _cli("run", bundle.folder, "--no-track", "--no-cache", "--json", cwd=root)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    return root, nb, first, second, bundle


def test_each_step_records_its_cpu_and_peak_memory(project, schema_check):
    _, _, first, second, _ = project
    assert first.status == "succeeded", first.record["error"]
    assert second.status == "below_target"
    rec = schema_check("run-record", json.loads((first.run_dir / "run.json").read_text()))
    steps = rec["steps"]
    for name in ("burn", "rest", "alloc"):
        assert steps[name]["cpu_s"] >= 0 and steps[name]["peak_mem_mb"] > 10, steps[name]
    # the busy step used its ~0.6 s of CPU; the sleeping one far less
    assert steps["burn"]["cpu_s"] >= 0.5
    assert steps["burn"]["cpu_s"] > steps["rest"]["cpu_s"] + 0.3
    # the 200 MiB were seen while they lived, though freed before the step ended
    assert steps["alloc"]["peak_mem_mb"] > steps["rest"]["peak_mem_mb"] + 150
    assert rec["cpu_s"] == pytest.approx(sum(s["cpu_s"] for s in steps.values()), abs=0.01)
    assert rec["peak_mem_mb"] == max(s["peak_mem_mb"] for s in steps.values())


def test_mlflow_has_the_cost_of_each_step_and_the_run(project):
    from mlflow.tracking import MlflowClient

    root, _, first, _, _ = project
    client = MlflowClient(f"sqlite:///{root / '.notebook_ops' / 'mlflow.db'}")
    parent_id = first.record["mlflow"]["run_id"]
    assert parent_id, first.record["mlflow"]
    parent = client.get_run(parent_id).data.metrics
    assert parent["cpu_s"] == pytest.approx(first.record["cpu_s"])
    assert parent["peak_mem_mb"] == pytest.approx(first.record["peak_mem_mb"])
    assert parent["score"] == 1.0  # the user's metrics stay as they were
    children = client.search_runs(
        [client.get_run(parent_id).info.experiment_id], f"tags.mlflow.parentRunId = '{parent_id}'"
    )
    by_step = {r.data.tags["notebook_ops.step"]: r.data.metrics for r in children}
    assert set(by_step) == {"burn", "rest", "alloc"}
    for name, metrics in by_step.items():
        assert metrics["cpu_s"] == pytest.approx(first.record["steps"][name]["cpu_s"])
        assert metrics["peak_mem_mb"] == pytest.approx(first.record["steps"][name]["peak_mem_mb"])


def test_run_step_records_the_cost_of_its_step(project, tmp_path):
    _, _, _, _, bundle = project
    store = tmp_path / "store"
    task = tmp_path / "task"
    task.mkdir()
    out = _cli("run-step", bundle.folder, "burn", "--data", store, "--json", cwd=task)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    shown = json.loads(out.stdout[out.stdout.index("{") :])
    assert shown["cpu_s"] >= 0.5 and shown["peak_mem_mb"] > 10 and shown["duration_s"] >= 0.6
    written = json.loads((store / "burn" / "_usage.json").read_text())
    assert written == {k: shown[k] for k in ("cpu_s", "peak_mem_mb", "duration_s")}


def test_runs_stats_per_bundle_version(project, tmp_path):
    root, nb, first, second, bundle = project
    out = _cli("runs", "stats", nb.name, "--json", cwd=root)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["pipeline"] == "costly" and stats["cost_per_cpu_hour"] == RATE
    assert stats["metrics"] == ["score"]
    versions = {v["version"]: v for v in stats["versions"]}
    assert list(versions) == [str(bundle.version), "notebook"]
    mine = versions["notebook"]
    assert mine["runs"] == 2 and mine["succeeded"] == 1 and mine["success_rate"] == 0.5
    cpu = [first.record["cpu_s"], json.loads((second.run_dir / "run.json").read_text())["cpu_s"]]
    assert mine["mean_cpu_s"] == pytest.approx(sum(cpu) / 2, abs=0.001)
    assert mine["cost_per_run"] == pytest.approx(mine["mean_cpu_s"] / 3600 * RATE, rel=1e-3)
    assert mine["metrics"]["score"] == {"runs": 2, "mean": 0.625, "first": 1.0, "last": 0.25, "trend": -0.75}
    shipped = versions[str(bundle.version)]
    assert shipped["runs"] == 1 and shipped["success_rate"] == 1.0 and shipped["mean_cpu_s"] >= 0.5
    assert shipped["metrics"]["score"]["mean"] == 1.0
    # the table, a money rate given on the command line, and the plot in both formats
    png, svg = tmp_path / "stats.png", tmp_path / "stats.svg"
    table = _cli("runs", "stats", "costly", "--cost-per-cpu-hour", "2", "--plot", png, cwd=root)
    assert table.returncode == 0, table.stderr
    assert "cost at 2 per CPU hour" in table.stdout and "cost/run" in table.stdout
    assert "notebook" in table.stdout and "50%" in table.stdout and "0.625 (1→0.25)" in table.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    drawn = _cli("runs", "stats", nb.name, "--plot", svg, "--json", cwd=root)
    assert drawn.returncode == 0, drawn.stderr
    assert "<svg" in svg.read_text()[:2000]
    # a bundle carries the rate in its manifest: its runs are costed from it
    assert bundle.manifest["cost_per_cpu_hour"] == RATE
    by_bundle = json.loads(_cli("runs", "stats", bundle.folder, "--json", cwd=root).stdout)
    assert by_bundle["pipeline"] == "costly" and by_bundle["cost_per_cpu_hour"] == RATE
    assert [v["version"] for v in by_bundle["versions"]] == [str(bundle.version), "notebook"]


def test_the_rate_setting_is_checked():
    from notebook_ops.model.settings import validate_settings

    assert validate_settings({"cost_per_cpu_hour": 0.05}) == []
    for wrong in ("cheap", -1):
        (problem,) = validate_settings({"cost_per_cpu_hour": wrong})
        assert problem.code == "invalid-settings" and "cost_per_cpu_hour" in problem.message


def test_runs_stats_bad_input_is_one_line(project, tmp_path):
    root, nb, *_ = project
    gif = _cli("runs", "stats", nb.name, "--plot", tmp_path / "stats.gif", cwd=root)
    assert gif.returncode == 2 and "Traceback" not in gif.stderr
    assert gif.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'stats.gif'}: the plot is written as .png or .svg (name it e.g. stats.png)"
    ]
    negative = _cli("runs", "stats", nb.name, "--cost-per-cpu-hour", "-1", cwd=root)
    assert negative.returncode == 2 and "Traceback" not in negative.stderr
    assert "'--cost-per-cpu-hour': -1.0 is not in the range x>=0" in negative.stderr
    missing = _cli("runs", "stats", "churn.ipynb", cwd=root)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        "error: churn.ipynb: no such file (give a notebook, a bundle or a pipeline name)"
    ]
    # the product does not need matplotlib: without it, --plot is a one-line error
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PYTHONPATH"] = str(ROOT)
    hidden = (
        "import sys; sys.modules['matplotlib'] = None; from notebook_ops.cli import main; sys.exit(main())"
    )
    png = tmp_path / "none.png"
    out = subprocess.run(
        [sys.executable, "-c", hidden, "runs", "stats", nb.name, "--plot", str(png)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2 and out.stderr.strip().splitlines() == [
        "error: --plot needs matplotlib, which is not installed (pip install matplotlib)"
    ]
    assert not png.exists() and not (tmp_path / "stats.gif").exists()
    mixed = tmp_path / "mixed"
    (mixed / ".notebook_ops" / "runs").mkdir(parents=True)
    for run_id, name in (("r1", "one"), ("r2", "two")):
        folder = mixed / ".notebook_ops" / "runs" / run_id
        folder.mkdir()
        (folder / "run.json").write_text(
            json.dumps({"run_id": run_id, "pipeline": name, "status": "succeeded"})
        )
    out = _cli("runs", "stats", cwd=mixed)
    assert out.returncode == 2 and "several pipelines (one, two)" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_single_kernel_run_has_the_totals_only(tmp_path):
    nb = write_notebook(tmp_path / "costly.ipynb", make_notebook(CELLS, SETTINGS))
    res = run_notebook(nb, single_kernel=True, cache=False, track=False)
    assert res.status == "succeeded", res.record["error"]
    assert res.record["cpu_s"] >= 0.5 and res.record["peak_mem_mb"] > 150
    assert not any("cpu_s" in s or "peak_mem_mb" in s for s in res.record["steps"].values())
