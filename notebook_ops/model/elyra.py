"""Elyra pipelines as they are: a ``.pipeline`` file (pipeline-flow v3 JSON) read as a pipeline
across notebooks.

Read from the primary pipeline's ``nodes``: ``execute-notebook-node`` and ``execute-python-node``
(a script is a notebook of one cell), ``inputs[].links[].node_id_ref`` (the order),
``component_parameters``: ``filename`` (relative to the .pipeline file), ``env_vars``
(``NAME=value`` or ``{env_var, value}``; with ``pipeline_defaults``) as string parameters set in
``os.environ`` before the node's code, ``dependencies`` (files and globs) as the step's data files
(shipped in a bundle), ``outputs`` as files handed to every node downstream, ``runtime_image``,
``cpu``/``memory`` (GB)/``gpu`` as the step's image and resources. Anything else (component nodes
of Airflow or Kubeflow, supernodes, a link to a missing node, a file that does not exist) is one
NotebookReadError naming the node. The graph is composed by ``multi``: independent nodes run in
parallel, cache and resume work per node, each file is one step unless it has ``step:`` tags.
"""

from __future__ import annotations

import copy
import hashlib
import json
import keyword
import os
import re
from dataclasses import replace
from pathlib import Path

from notebook_ops.errors import NotebookReadError
from notebook_ops.model.build import build_pipeline
from notebook_ops.model.multi import Composer
from notebook_ops.model.notebook import parse_notebook, read_bytes
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.tags import parse_cell_tags, slug
from notebook_ops.util import confine

SUFFIX = ".pipeline"
NODE_OPS = {"execute-notebook-node": ".ipynb", "execute-python-node": ".py"}


def is_env_name(name: str) -> bool:
    """An env var that can be a parameter: a Python identifier, not run plumbing."""
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_nbo_")


def _env(items, where: str, path) -> dict:
    out = {}
    for item in items or []:
        if isinstance(item, dict):
            name, value = item.get("env_var"), item.get("value", "")
        elif isinstance(item, str) and "=" in item:
            name, value = item.split("=", 1)
        else:
            raise NotebookReadError(f"{where}: env var {item!r} is not NAME=value", path=path)
        if not isinstance(name, str) or not is_env_name(name.strip()):
            raise NotebookReadError(
                f"{where}: env var name {name!r} is not usable as a parameter",
                path=path,
                hint="use letters, digits and '_', not starting with a digit",
            )
        out[name.strip()] = "" if value is None else str(value)
    return out


class _Node:
    def __init__(self, raw: dict, here: Path, defaults: dict, path):
        self.id = raw.get("id")
        params = (raw.get("app_data") or {}).get("component_parameters") or {}
        app = raw.get("app_data") or {}
        self.label = (
            app.get("label") or (app.get("ui_data") or {}).get("label") or params.get("filename") or self.id
        )
        self.where = f"Elyra node '{self.label}'"
        op = raw.get("op")
        if raw.get("type") != "execution_node" or op not in NODE_OPS:
            raise NotebookReadError(
                f"{self.where}: this Elyra node type is not supported: {op or raw.get('type')!r}",
                path=path,
                hint="notebook-ops runs notebook and Python script nodes (execute-notebook-node, "
                "execute-python-node)",
            )
        filename = params.get("filename")
        if not isinstance(filename, str) or not filename.endswith(NODE_OPS[op]):
            raise NotebookReadError(f"{self.where}: filename must name a {NODE_OPS[op]} file", path=path)
        self.file = (here / filename).resolve()
        confine.check(self.file, f"{self.where}: filename {filename}", source=Path(path).name)
        if not self.file.is_file():
            raise NotebookReadError(
                f"{self.where}: {filename} does not exist",
                path=path,
                hint="filenames are relative to the .pipeline file",
            )
        self.op = op
        self.env = {
            **_env(defaults.get("env_vars"), self.where, path),
            **_env(params.get("env_vars"), self.where, path),
        }
        self.outputs = [o for o in params.get("outputs") or [] if isinstance(o, str) and o]
        self.dependencies = [d for d in params.get("dependencies") or [] if isinstance(d, str) and d]
        self.parents = [
            link.get("node_id_ref") for port in raw.get("inputs") or [] for link in port.get("links") or []
        ]
        image = params.get("runtime_image") or defaults.get("runtime_image")
        resources = {}
        for key, unit in (("cpu", ""), ("memory", "G"), ("gpu", "")):
            value = params.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                resources[key] = int(value) if key == "gpu" else (f"{value}{unit}" if unit else value)
        self.options = {
            **({"image": image} if image else {}),
            **({"resources": resources} if resources else {}),
        }

    def notebook(self) -> dict:
        """The node's file as a notebook, its env vars a parameters cell and a setup cell."""
        data = read_bytes(self.file)
        if self.op == "execute-python-node":
            nb: dict = {
                "nbformat": 4,
                "nbformat_minor": 5,
                "cells": [
                    {
                        "cell_type": "code",
                        "id": "script",
                        "metadata": {},
                        "execution_count": None,
                        "outputs": [],
                        "source": data.decode("utf-8", errors="replace"),
                    }
                ],
                "metadata": {
                    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
                },
            }
        else:
            nb = copy.deepcopy(parse_notebook(data, path=self.file))
        if not self.env:
            return nb
        lines = "".join(f"{n} = {v!r}  # env var\n" for n, v in self.env.items())
        cells = nb.setdefault("cells", [])
        for c in cells:
            if (
                c.get("cell_type") == "code"
                and parse_cell_tags((c.get("metadata") or {}).get("tags") or []).role == "parameters"
            ):
                src = c.get("source")
                src = "".join(src) if isinstance(src, list) else (src or "")
                c["source"] = src.rstrip("\n") + "\n" + lines
                break
        else:
            cells.insert(
                0,
                {
                    "cell_type": "code",
                    "id": "nbo-env-params",
                    "execution_count": None,
                    "outputs": [],
                    "metadata": {"tags": ["parameters"]},
                    "source": lines,
                },
            )
        names = ", ".join(f"{n!r}: str({n})" for n in self.env)
        cells.insert(
            0,
            {
                "cell_type": "code",
                "id": "nbo-env",
                "execution_count": None,
                "outputs": [],
                "metadata": {"tags": ["setup"]},
                "source": "import os as _nbo_os\n_nbo_os.environ.update({" + names + "})\n",
            },
        )
        return nb


def read_elyra(path) -> tuple[dict, list[_Node]]:
    path = Path(path)
    try:
        doc = json.loads(read_bytes(path))
    except ValueError as exc:
        raise NotebookReadError(f"not JSON: {exc}", path=path) from None
    if (
        not isinstance(doc, dict)
        or doc.get("doc_type") != "pipeline"
        or not str(doc.get("version", "")).startswith("3")
    ):
        raise NotebookReadError(
            "not an Elyra pipeline (pipeline-flow v3: doc_type 'pipeline', version 3.0)", path=path
        )
    pipelines = [p for p in doc.get("pipelines") or [] if isinstance(p, dict)]
    primary = next((p for p in pipelines if p.get("id") == doc.get("primary_pipeline")), None)
    if primary is None:
        raise NotebookReadError("the Elyra file has no primary pipeline", path=path)
    props = (primary.get("app_data") or {}).get("properties") or {}
    defaults = props.get("pipeline_defaults") or {}
    nodes = [
        _Node(raw, path.resolve().parent, defaults, path)
        for raw in primary.get("nodes") or []
        if raw.get("type") != "model_node"
    ]
    if not nodes:
        raise NotebookReadError("the Elyra pipeline has no nodes", path=path)
    ids = {n.id for n in nodes}
    files: dict[Path, _Node] = {}
    for n in nodes:
        for parent in n.parents:
            if parent not in ids:
                raise NotebookReadError(
                    f"{n.where}: a link comes from node {parent!r}, which is not "
                    "in the pipeline (a dangling link)",
                    path=path,
                    hint="remove the link in Elyra's editor",
                )
        if n.file in files:
            raise NotebookReadError(
                f"{n.where}: {n.file.name} is also node '{files[n.file].label}'",
                path=path,
                hint="notebook-ops runs each file once",
            )
        files[n.file] = n
    return props, nodes


def load_elyra(path) -> Pipeline:

    path = Path(path).resolve()
    props, nodes = read_elyra(path)
    by_id = {n.id: n for n in nodes}
    built, extra, targets = {}, {}, {}
    for n in nodes:
        nb = n.notebook()
        digest = hashlib.sha256(json.dumps(nb, sort_keys=True).encode()).hexdigest()
        p = build_pipeline(nb, path=n.file, notebook_hash=digest)
        built[n.file] = replace(
            p, steps=tuple(replace(s, options={**s.options, **n.options}) for s in p.steps)
        )
        extra[n.file] = [f"@{pid}" for pid in n.parents]
        targets[f"@{n.id}"] = (n.file, None)
    name = props.get("name") if isinstance(props.get("name"), str) else None
    composer = Composer(
        path,
        listed=[n.file for n in nodes],
        extra_refs=extra,
        built=built,
        ref_targets=targets,
        name=slug(name or path.stem),
        settings={},
        file_hash=hashlib.sha256(read_bytes(path)).hexdigest(),
    )
    pipeline = composer.build()
    return _with_files(pipeline, nodes, by_id, composer)


def _ancestors(node, by_id) -> list:
    seen, todo = [], list(node.parents)
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in by_id:
            continue
        seen.append(pid)
        todo.extend(by_id[pid].parents)
    return [by_id[i] for i in seen]


def _with_files(pipeline: Pipeline, nodes, by_id, composer) -> Pipeline:
    """Elyra's files: ``outputs`` written by a node and handed to every node after it;
    ``dependencies`` read by a node (the project's data files, shipped in a bundle)."""
    project = pipeline.project
    root = Path(project.root) if project else composer.root
    steps_of = {
        n.file: [s.name for s in pipeline.steps if s.notebook == composer.file(n.file)] for n in nodes
    }
    last = {}
    for n in nodes:
        names = steps_of[n.file]
        last[n.file] = [s for s in names if not any(s in pipeline.step(t).after for t in names)]
    changes: dict[str, dict] = {}
    assets_all: list[str] = list(project.assets) if project else []
    handed_all: set[str] = set()
    for n in nodes:
        files_in: list[tuple[str, str]] = []
        for up in _ancestors(n, by_id):
            for out in up.outputs:
                if out not in [f for f, _ in files_in]:
                    files_in.append((out, last[up.file][-1]))
        assets = []
        for dep in n.dependencies:
            confine.check(
                n.file.parent / dep, f"{n.where}: dependency {dep}", source=composer.entry_path.name
            )
            found = (
                sorted(n.file.parent.glob(dep)) if any(ch in dep for ch in "*?[") else [n.file.parent / dep]
            )
            if not found or not all(f.exists() for f in found):
                raise NotebookReadError(
                    f"{n.where}: dependency {dep} does not exist",
                    path=composer.entry_path,
                    hint="dependencies are relative to the node's file",
                )
            for f in found:  # a pattern may match a symlink leading out
                confine.check(f, f"{n.where}: dependency {dep}", source=composer.entry_path.name)
            assets += [Path(os.path.relpath(f.resolve(), root)).as_posix() for f in found]
        # files an upstream node (or this one) writes are handed on, not project data
        handed = {
            Path(os.path.relpath((n.file.parent / f).resolve(), root)).as_posix()
            for f in [f for f, _ in files_in] + n.outputs
        }
        for s in steps_of[n.file]:
            step = pipeline.step(s)
            changes[s] = {
                "files_in": tuple(files_in),
                "files_out": tuple(n.outputs) if s in last[n.file] else step.files_out,
                "assets": tuple(a for a in dict.fromkeys(step.assets + tuple(assets)) if a not in handed),
            }
        assets_all += [a for a in assets if a not in assets_all]
        handed_all.update(handed)
    assets_all = [a for a in assets_all if a not in handed_all]

    def fix(s):
        return replace(s, **changes[s.name]) if s.name in changes else s

    parts = tuple(
        replace(
            p,
            steps=tuple(fix(s) for s in p.steps),
            project=replace(p.project, assets=tuple(assets_all)) if p.project else None,
        )
        for p in pipeline.parts
    )

    def handed_on(pr) -> bool:  # build.py could not know a node's files come from upstream
        m = re.search(r"reads '([^']+)', which exists neither", pr.message)
        return bool(
            pr.code == "missing-file"
            and m
            and pr.step in changes
            and m.group(1) in dict(changes[pr.step]["files_in"])
        )

    return replace(
        pipeline,
        steps=tuple(fix(s) for s in pipeline.steps),
        parts=parts,
        problems=tuple(pr for pr in pipeline.problems if not handed_on(pr)),
        project=replace(project, assets=tuple(assets_all)) if project else None,
    )
