"""The command line contract the scheduler relies on: --run-dir DIR, --quiet, -p, exit codes,
run.json at DIR; --json; runs list / show."""

from __future__ import annotations

import json

from nbfactory import write_nb
from clikit import run_cli

CELLS = [
    ("import notebook_ops as nbo", ["setup"]),
    ("base = 10  # starting value", ["parameters"]),
    ("start = base + 1", ["step:start"]),
    ("left = start * 2", ["step:left"]),
    ("nbo.log_metric('total', left)", ["step:join"]),
]


def test_cli_run_dir_exit_codes_and_runs_commands(tmp_path):
    nb = write_nb(tmp_path, "nb.ipynb", CELLS, {"notebook_ops": {"metric_targets": {"total": ">= 100"}}})
    run_dir = tmp_path / "runs" / "r1"
    p = run_cli("run", nb, "--run-dir", run_dir, "--quiet", "--no-track", "-p", "base=60", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    rec = json.loads((run_dir / "run.json").read_text())
    assert rec["status"] == "succeeded" and rec["metrics"] == {"total": 122}
    assert rec["parameters"] == {"base": 60}
    assert rec["targets"] == [{"metric": "total", "condition": ">= 100", "value": 122, "met": True}]

    # below the metric target: exit 3, status below_target
    p = run_cli("run", nb, "--json", "--no-track", "-p", "base=1", cwd=tmp_path)
    assert p.returncode == 3, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "below_target"
    assert out["targets"] == [{"metric": "total", "condition": ">= 100", "value": 4, "met": False}]

    # bad input: exit 2, one line, no traceback, no run folder
    p = run_cli("run", nb, "--run-dir", tmp_path / "bad", "-p", "bse=1", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == ["error: unknown parameter 'bse' (known: base)"]
    assert not (tmp_path / "bad").exists()
    p = run_cli("run", nb, "--run-dir", run_dir, cwd=tmp_path)  # a used run folder
    assert p.returncode == 2 and "already holds a run" in p.stderr

    p = run_cli("runs", "list", "--json", cwd=tmp_path)
    listed = json.loads(p.stdout)
    assert [r["status"] for r in listed] == ["below_target"]
    p = run_cli("runs", "show", listed[0]["run_id"][:17], cwd=tmp_path)
    assert p.returncode == 0 and "below_target" in p.stdout and "total" in p.stdout
    p = run_cli("runs", "show", run_dir, "--json", cwd=tmp_path)
    assert json.loads(p.stdout)["run_id"] == rec["run_id"]
    p = run_cli("runs", "show", "nope", cwd=tmp_path)
    assert p.returncode == 2 and "no run 'nope'" in p.stderr
