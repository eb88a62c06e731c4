"""Elyra pipeline files run as they are: notebook and script nodes, parallel branches, env vars
as parameters, file dependencies and file outputs handed between nodes; real kernels. Bad
files (an unknown node type, a dangling link) are one error naming the node, nothing written."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import write_nb
from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline
from notebook_ops.runner import run_notebook


def _node(nid, filename, parents=(), env=(), outputs=(), deps=(), op=None, **extra):
    op = op or ("execute-python-node" if filename.endswith(".py") else "execute-notebook-node")
    return {"id": nid, "type": "execution_node", "op": op,
            "app_data": {"label": filename, "component_parameters": {
                "filename": filename, "env_vars": list(env), "outputs": list(outputs),
                "dependencies": list(deps), "include_subdirectories": False, **extra}},
            "inputs": [{"id": "inPort", "links": [{"id": f"l-{p}-{nid}", "node_id_ref": p,
                                                   "port_id_ref": "outPort"} for p in parents]}],
            "outputs": [{"id": "outPort"}]}


def _pipeline(folder, nodes, name="elyra-demo"):
    doc = {"doc_type": "pipeline", "version": "3.0", "id": "x", "primary_pipeline": "primary",
           "pipelines": [{"id": "primary", "nodes": nodes, "app_data": {"version": 8, "properties": {
               "name": name, "pipeline_defaults": {"env_vars": [{"env_var": "MODE", "value": "fast"}],
                                                   "runtime_image": "python:3.11-slim"}}}}],
           "schemas": []}
    path = folder / "flow.pipeline"
    path.write_text(json.dumps(doc, indent=1))
    return path


def _project(tmp_path):
    (tmp_path / "seed.txt").write_text("7\n")
    write_nb(tmp_path, "load.ipynb", [
        ("import os, time\nseed = int(open('seed.txt').read())\nn = int(os.environ['ROWS'])\n"
         "open('raw.csv', 'w').write('\\n'.join(str(seed + i) for i in range(n)))", [])])
    (tmp_path / "branch_a.py").write_text(
        "import os, time\ntime.sleep(1.5)\nvals = [int(x) for x in open('raw.csv').read().split()]\n"
        "open('a.txt', 'w').write(str(sum(vals) * int(os.environ['FACTOR'])))\n")
    write_nb(tmp_path, "branch_b.ipynb", [
        ("import time\ntime.sleep(1.5)\nvals = [int(x) for x in open('raw.csv').read().split()]\n"
         "open('b.txt', 'w').write(str(max(vals)))", [])])
    write_nb(tmp_path, "join.ipynb", [
        ("import os\ntotal = int(open('a.txt').read()) + int(open('b.txt').read())\n"
         "open('result.txt', 'w').write(f\"{os.environ['MODE']}:{total}\")\nprint('total', total)", [])])
    return _pipeline(tmp_path, [
        _node("n1", "load.ipynb", env=["ROWS=4"], outputs=["raw.csv"], deps=["seed.txt"], cpu=2,
              memory=4),
        _node("n2", "branch_a.py", parents=["n1"], env=[{"env_var": "FACTOR", "value": "3"}],
              outputs=["a.txt"], runtime_image="python:3.12-slim", gpu=1),
        _node("n3", "branch_b.ipynb", parents=["n1"], outputs=["b.txt"]),
        _node("n4", "join.ipynb", parents=["n2", "n3"], outputs=["result.txt"]),
    ])


def _t(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_elyra_model(tmp_path):
    p = load_pipeline(_project(tmp_path))
    assert p.ok, p.errors
    assert p.name == "elyra-demo"
    assert p.step_names == ["load", "branch_a", "branch_b", "join"]
    assert set(p.step("join").after) == {"branch_a", "branch_b"}
    assert [(x.name, x.type, x.default) for x in p.parameters] == [
        ("MODE", "str", "fast"), ("ROWS", "str", "4"), ("FACTOR", "str", "3")]
    load, a, join = p.step("load"), p.step("branch_a"), p.step("join")
    assert load.options == {"image": "python:3.11-slim", "resources": {"cpu": 2, "memory": "4G"}}
    assert a.options == {"image": "python:3.12-slim", "resources": {"gpu": 1}}
    assert load.files_out == ("raw.csv",) and load.assets == ("seed.txt",)
    assert dict(join.files_in) == {"raw.csv": "load", "a.txt": "branch_a", "b.txt": "branch_b"}
    assert a.notebook == "branch_a.py" and "ROWS" in load.parameters_read


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
    assert json.loads(open(f"{data}/branch_a/_files.json").read())["a.txt"]   # handed on by digest

    again = run_notebook(path, params={"FACTOR": "10"}, track=False, jobs=2)
    assert again.ok and all(s["cached"] for s in again.record["steps"].values())
    other = run_notebook(path, params={"FACTOR": "2"}, track=False, jobs=2)
    cached = {n: s["cached"] for n, s in other.record["steps"].items()}
    assert cached == {"load": True, "branch_a": False, "branch_b": True, "join": False}
    assert (tmp_path / "result.txt").read_text() == f"fast:{sum(vals) * 2 + max(vals)}"


@pytest.mark.parametrize("mutate, message", [
    (lambda nodes: nodes.append(_node("n9", "x.ipynb", op="airflow-package-catalog:1234")),
     "Elyra node 'x.ipynb': node type 'airflow-package-catalog:1234' is not supported"),
    (lambda nodes: nodes[1]["inputs"][0]["links"].append({"node_id_ref": "gone"}),
     "Elyra node 'branch_a.py': a link comes from node 'gone', which is not in the pipeline"),
])
def test_bad_elyra_file_one_error_naming_the_node(tmp_path, mutate, message):
    path = _project(tmp_path)
    doc = json.loads(path.read_text())
    mutate(doc["pipelines"][0]["nodes"])
    path.write_text(json.dumps(doc))
    with pytest.raises(NotebookReadError) as err:
        load_pipeline(path)
    assert err.value.message.startswith(message), err.value.message
    r = subprocess.run([sys.executable, "-m", "notebook_ops", "run", str(path), "--no-track"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert message in r.stderr and not (tmp_path / ".notebook_ops").exists()
