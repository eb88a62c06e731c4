"""An Elyra pipeline-flow v3 project on disk for tests: a notebook node with an env var, a file
dependency and a file output, two parallel branches (a script and a notebook), a join."""

from __future__ import annotations

import json

from nbfactory import make_notebook


def write_nb(folder, name, cells):
    path = folder / name
    path.write_text(json.dumps(make_notebook(cells), indent=1) + "\n")
    return path


def node(nid, filename, parents=(), env=(), outputs=(), deps=(), op=None, **extra):
    op = op or ("execute-python-node" if filename.endswith(".py") else "execute-notebook-node")
    return {
        "id": nid,
        "type": "execution_node",
        "op": op,
        "app_data": {
            "label": filename,
            "component_parameters": {
                "filename": filename,
                "env_vars": list(env),
                "outputs": list(outputs),
                "dependencies": list(deps),
                "include_subdirectories": False,
                **extra,
            },
        },
        "inputs": [
            {
                "id": "inPort",
                "links": [
                    {"id": f"l-{p}-{nid}", "node_id_ref": p, "port_id_ref": "outPort"} for p in parents
                ],
            }
        ],
        "outputs": [{"id": "outPort"}],
    }


def elyra_file(folder, nodes, name="elyra-demo"):
    doc = {
        "doc_type": "pipeline",
        "version": "3.0",
        "id": "x",
        "primary_pipeline": "primary",
        "pipelines": [
            {
                "id": "primary",
                "nodes": nodes,
                "app_data": {
                    "version": 8,
                    "properties": {
                        "name": name,
                        "pipeline_defaults": {
                            "env_vars": [{"env_var": "MODE", "value": "fast"}],
                            "runtime_image": "python:3.11-slim",
                        },
                    },
                },
            }
        ],
        "schemas": [],
    }
    path = folder / "flow.pipeline"
    path.write_text(json.dumps(doc, indent=1))
    return path


def elyra_project(tmp_path):
    (tmp_path / "seed.txt").write_text("7\n")
    write_nb(
        tmp_path,
        "load.ipynb",
        [
            (
                (
                    "import os, time\nseed = int(open('seed.txt').read())\nn = int(os.environ['ROWS'])\n"
                    "open('raw.csv', 'w').write('\\n'.join(str(seed + i) for i in range(n)))"
                ),
                [],
            )
        ],
    )
    (tmp_path / "branch_a.py").write_text(
        "import os, time\ntime.sleep(1.5)\nvals = [int(x) for x in open('raw.csv').read().split()]\n"
        "open('a.txt', 'w').write(str(sum(vals) * int(os.environ['FACTOR'])))\n"
    )
    write_nb(
        tmp_path,
        "branch_b.ipynb",
        [
            (
                (
                    "import time\ntime.sleep(1.5)\nvals = [int(x) for x in open('raw.csv').read().split()]\n"
                    "open('b.txt', 'w').write(str(max(vals)))"
                ),
                [],
            )
        ],
    )
    write_nb(
        tmp_path,
        "join.ipynb",
        [
            (
                (
                    "import os\ntotal = int(open('a.txt').read()) + int(open('b.txt').read())\n"
                    "open('result.txt', 'w').write(f\"{os.environ['MODE']}:{total}\")\nprint('total', total)"
                ),
                [],
            )
        ],
    )
    return elyra_file(
        tmp_path,
        [
            node("n1", "load.ipynb", env=["ROWS=4"], outputs=["raw.csv"], deps=["seed.txt"], cpu=2, memory=4),
            node(
                "n2",
                "branch_a.py",
                parents=["n1"],
                env=[{"env_var": "FACTOR", "value": "3"}],
                outputs=["a.txt"],
                runtime_image="python:3.12-slim",
                gpu=1,
            ),
            node("n3", "branch_b.ipynb", parents=["n1"], outputs=["b.txt"]),
            node("n4", "join.ipynb", parents=["n2", "n3"], outputs=["result.txt"]),
        ],
    )
