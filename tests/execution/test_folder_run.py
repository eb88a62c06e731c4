"""A numbered folder chained through a SQLite file and CSVs, with a local helper module and a
notebook ``%run`` by another, runs as a pipeline with real kernels (the CLI takes the folder),
gives what running the notebooks top to bottom in their order gives, is cached, and exports a
bundle that runs step by step, each step in its own empty folder with one shared data store."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

from folderkit import expected_report, numbered_folder

from nbfactory import ROOT


def _cli(*args, cwd, env=None):
    e = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "notebook_ops", *args],
        cwd=cwd,
        env=e,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_folder_runs_cached_and_matches_top_to_bottom(tmp_path):
    folder = numbered_folder(tmp_path / "proj")
    r = _cli("run", "proj/", "--no-track", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert (folder / "report.txt").read_text() == expected_report()
    assert not (folder / ".ipynb_checkpoints" / "out").exists()
    again = _cli("run", "proj", "--no-track", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    import json

    steps = json.loads(again.stdout)["steps"]
    assert set(steps) == {"simulate", "settings", "load", "eda", "report"}
    assert all(s["cached"] for s in steps.values())

    # top to bottom, one kernel per notebook in the inferred order, as a person runs them
    by_hand = numbered_folder(tmp_path / "by-hand")
    for name in ["0-simulate", "5-settings", "1-load", "2-eda", "10-report"]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "jupyter",
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                f"{name}.ipynb",
                "--output",
                f"/tmp/{os.getpid()}-{name}.ipynb",
            ],
            cwd=by_hand,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert (by_hand / "report.txt").read_text() == (folder / "report.txt").read_text()


def test_folder_bundle_runs_step_by_step(tmp_path):
    numbered_folder(tmp_path / "proj")
    r = _cli("export", "proj", "-o", str(tmp_path / "dist"), "--no-tag", "--allow-dirty", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    archive = next((tmp_path / "dist").glob("*.tar.gz"))
    data = tmp_path / "store"
    for step in ["simulate", "settings", "load", "eda", "report"]:
        task = tmp_path / "tasks" / step
        task.mkdir(parents=True)
        out = _cli(
            "run-step",
            str(archive),
            step,
            "--data",
            str(data),
            cwd=task,
            env={"XDG_CACHE_HOME": str(tmp_path / "c")},
        )
        assert out.returncode == 0, step + out.stdout[-2000:] + out.stderr[-2000:]
    assert expected_report() in out.stdout  # the last step got the database's total
    assert (data / "eda" / "_files" / "summary.csv").read_text() == f"total\n{int(expected_report()[6:-1])}\n"


GLOB = "[0-2]-*.ipynb"  # simulate, load, eda: not 5-settings (its file is there), not 10-report


def test_glob_chooses_for_run_export_and_schedule(tmp_path):
    """``--glob`` on run, export and schedule add means what it means on inspect; the schedule
    keeps it, so its runs take the same notebooks; nothing matching is one line, exit 2."""
    import json

    import yaml

    folder = numbered_folder(tmp_path / "proj")
    (folder / "settings.json").write_text('{"factor": 3}')  # what 5-settings would write
    chosen = ["simulate", "load", "eda"]
    r = _cli("run", "proj", "--glob", GLOB, "--no-track", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert list(json.loads(r.stdout)["steps"]) == chosen
    total = int(expected_report()[6:-1])
    assert (folder / "summary.csv").read_text() == f"total\n{total}\n"
    assert not (folder / "report.txt").exists()

    r = _cli(
        "export",
        "proj",
        "--glob",
        GLOB,
        "-o",
        "dist",
        "--no-tag",
        "--allow-dirty",
        "--no-mlflow",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (bundle,) = [p for p in (tmp_path / "dist").iterdir() if p.is_dir()]
    manifest = yaml.safe_load((bundle / "pipeline.yaml").read_text())
    assert [s["name"] for s in manifest["steps"]] == chosen

    db = str(tmp_path / "s.db")
    r = _cli(
        "schedule",
        "add",
        "proj",
        "--glob",
        GLOB,
        "--cron",
        "0 6 * * *",
        "--name",
        "few",
        "--db",
        db,
        "--json",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["target"] == str(folder.resolve() / GLOB)
    assert _cli("schedule", "run-now", "few", "--db", db, cwd=tmp_path).returncode == 0
    r = _cli("scheduler", "--once", "--db", db, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (run,) = json.loads(_cli("schedule", "runs", "few", "--db", db, "--json", cwd=tmp_path).stdout)
    assert run["state"] == "succeeded", run
    record = json.loads(
        (folder / ".notebook_ops" / "runs" / Path(run["run_dir"]).name / "run.json").read_text()
    )
    assert list(record["steps"]) == chosen
    assert all(s["cached"] for s in record["steps"].values())  # the same notebooks as the run above
    assert not (folder / "report.txt").exists()  # 10-report never ran

    for args in (
        ["run", "proj"],
        ["export", "proj", "-o", "dist"],
        ["schedule", "add", "proj", "--cron", "0 6 * * *", "--db", db],
    ):
        r = _cli(*args, "--glob", "*.py", cwd=tmp_path)
        assert r.returncode == 2, args
        assert "no notebooks match *.py in this folder" in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) <= 2, r.stderr  # the error and its fix
    r = _cli("run", "proj/1-load.ipynb", "--glob", GLOB, cwd=tmp_path)
    assert r.returncode == 2 and "--glob takes a folder of notebooks" in r.stderr
