"""Elyra pipeline files run as they are: notebook and script nodes, parallel branches, env vars
as parameters, file dependencies and file outputs handed between nodes; real kernels. Bad
files (an unknown node type, a dangling link) are one error naming the node, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from elyrakit import elyra_project as _project
from elyrakit import node as _node

from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline
from notebook_ops.execution import run_notebook


def _t(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_elyra_model(tmp_path):
    p = load_pipeline(_project(tmp_path))
    assert p.ok and not p.problems, p.problems  # files from upstream nodes are not missing
    assert p.name == "elyra-demo"
    assert p.step_names == ["load", "branch_a", "branch_b", "join"]
    assert set(p.step("join").after) == {"branch_a", "branch_b"}
    assert [(x.name, x.type, x.default) for x in p.parameters] == [
        ("MODE", "str", "fast"),
        ("ROWS", "str", "4"),
        ("FACTOR", "str", "3"),
    ]
    load, a, join = p.step("load"), p.step("branch_a"), p.step("join")
    assert load.options == {"image": "python:3.11-slim", "resources": {"cpu": 2, "memory": "4G"}}
    assert a.options == {"image": "python:3.12-slim", "resources": {"gpu": 1}}
    assert load.files_out == ("raw.csv",) and load.assets == ("seed.txt",)
    assert dict(join.files_in) == {"raw.csv": "load", "a.txt": "branch_a", "b.txt": "branch_b"}
    assert a.notebook == "branch_a.py" and "ROWS" in load.parameters_read
    r = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "inspect", str(tmp_path / "flow.pipeline")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "branch_a (branch_a.py) -> join (join.ipynb): file a.txt" in r.stdout


def test_elyra_runs_in_parallel_with_files_and_env(tmp_path):
    path = _project(tmp_path)
    first = run_notebook(path, params={"FACTOR": "10"}, track=False, jobs=2)
    assert first.ok, first.record["error"]
    steps = first.record["steps"]
    a, b = steps["branch_a"], steps["branch_b"]
    assert _t(a["started_at"]) < _t(b["finished_at"]) and _t(b["started_at"]) < _t(a["finished_at"])
    vals = [7 + i for i in range(4)]
    assert (tmp_path / "result.txt").read_text() == f"fast:{sum(vals) * 10 + max(vals)}"
    data = first.record["options"]["data_url"]
    assert json.loads(Path(data, "branch_a", "_files.json").read_text())["a.txt"]  # handed on by digest

    again = run_notebook(path, params={"FACTOR": "10"}, track=False, jobs=2)
    assert again.ok and all(s["cached"] for s in again.record["steps"].values())
    other = run_notebook(path, params={"FACTOR": "2"}, track=False, jobs=2)
    cached = {n: s["cached"] for n, s in other.record["steps"].items()}
    assert cached == {"load": True, "branch_a": False, "branch_b": True, "join": False}
    assert (tmp_path / "result.txt").read_text() == f"fast:{sum(vals) * 2 + max(vals)}"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda nodes: nodes.append(_node("n9", "x.ipynb", op="airflow-package-catalog:1234")),
            "Elyra node 'x.ipynb': this Elyra node type is not supported: 'airflow-package-catalog:1234'",
        ),
        (
            lambda nodes: nodes[1]["inputs"][0]["links"].append({"node_id_ref": "gone"}),
            "Elyra node 'branch_a.py': a link comes from node 'gone', which is not in the pipeline",
        ),
    ],
)
def test_bad_elyra_file_one_error_naming_the_node(tmp_path, mutate, message):
    path = _project(tmp_path)
    doc = json.loads(path.read_text())
    mutate(doc["pipelines"][0]["nodes"])
    path.write_text(json.dumps(doc))
    with pytest.raises(NotebookReadError) as err:
        load_pipeline(path)
    assert err.value.message.startswith(message), err.value.message
    r = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "run", str(path), "--no-track"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert message in r.stderr and not (tmp_path / ".notebook_ops").exists()
