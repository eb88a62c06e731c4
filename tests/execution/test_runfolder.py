"""Run folders without kernels: atomic run.json, lookup by id prefix, stale "running" runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from notebook_ops.errors import NotFoundError
from notebook_ops.execution.runfolder import RunFolder, find_run, list_runs


def test_list_find_and_stale_running_runs(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    host = socket.gethostname()
    RunFolder(tmp_path / "20260101-000000-aaaaaa").write(
        {"run_id": "20260101-000000-aaaaaa", "status": "running", "pid": int(dead), "host": host}
    )
    RunFolder(tmp_path / "20260102-000000-bbbbbb").write(
        {"run_id": "20260102-000000-bbbbbb", "status": "running", "pid": os.getpid(), "host": host}
    )
    RunFolder(tmp_path / "20260103-000000-cccccc").write(
        {"run_id": "20260103-000000-cccccc", "status": "succeeded"}
    )
    (tmp_path / "20260104-broken").mkdir()
    (tmp_path / "20260104-broken" / "run.json").write_text("{not json")
    runs = list_runs(tmp_path)
    assert [r["run_id"] for r in runs] == [
        "20260104-broken",
        "20260103-000000-cccccc",
        "20260102-000000-bbbbbb",
        "20260101-000000-aaaaaa",
    ]
    assert runs[0]["status"] == "unreadable"
    assert runs[2]["process_alive"] is True and runs[3]["process_alive"] is False
    assert "process_alive" not in runs[1]
    assert find_run("20260103", tmp_path).read()["status"] == "succeeded"
    with pytest.raises(NotFoundError, match="several runs match"):
        find_run("2026010", tmp_path)
    assert not list(tmp_path.glob("*/.tmp-*"))  # atomic writes leave no temp files


def test_runs_of_one_second_are_listed_by_when_they_started(tmp_path):
    """Their ids share the second; the random suffix says nothing of which came first."""
    for run_id, started in [
        ("20260105-120000-ffffff", "2026-01-05T12:00:00.100Z"),
        ("20260105-120000-000000", "2026-01-05T12:00:00.900Z"),
        ("20260105-120000-888888", "2026-01-05T12:00:00.500Z"),
        ("20260105-115959-ffffff", "2026-01-05T11:59:59.999Z"),
    ]:
        RunFolder(tmp_path / run_id).write({"run_id": run_id, "status": "succeeded", "started_at": started})
    assert [r["run_id"] for r in list_runs(tmp_path)] == [
        "20260105-120000-000000",
        "20260105-120000-888888",
        "20260105-120000-ffffff",
        "20260105-115959-ffffff",
    ]
