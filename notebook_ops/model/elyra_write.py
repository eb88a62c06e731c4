"""Elyra pipelines written back: the edits the lab's canvas makes to a ``.pipeline`` file
(pipeline-flow v3, read by ``elyra``), applied to the document as it is.

Each edit changes only what it names (a node of the primary pipeline, a link of a node's input
port) and keeps every other field, known or not (Elyra's ``ui_data``, comments, properties of
other runtimes, fields of a later format version), so a file edited here still opens in Elyra's
editor. ``write_elyra`` writes atomically, indented as Elyra writes.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

from notebook_ops.errors import NotebookReadError
from notebook_ops.model.elyra import NODE_OPS
from notebook_ops.model.notebook import read_bytes
from notebook_ops.util.atomic import write_text

INPUT_PORT = "inPort"
OUTPUT_PORT = "outPort"


def read_document(path) -> dict:
    """The ``.pipeline`` file's JSON, checked to be pipeline-flow v3 with a primary pipeline."""
    try:
        doc = json.loads(read_bytes(path))
    except ValueError as exc:
        raise NotebookReadError(f"not JSON: {exc}", path=path) from None
    _primary(doc, path)
    return doc


def write_elyra(path, doc: dict) -> Path:
    """Write ``doc`` to ``path`` atomically (2-space indent, as Elyra's editor saves)."""
    return write_text(path, json.dumps(doc, indent=2) + "\n")


def _primary(doc, path=None) -> dict:
    if (
        not isinstance(doc, dict)
        or doc.get("doc_type") != "pipeline"
        or not str(doc.get("version", "")).startswith("3")
    ):
        raise NotebookReadError(
            "not an Elyra pipeline (pipeline-flow v3: doc_type 'pipeline', version 3.0)", path=path
        )
    for p in doc.get("pipelines") or []:
        if isinstance(p, dict) and p.get("id") == doc.get("primary_pipeline"):
            p.setdefault("nodes", [])
            return p
    raise NotebookReadError("the Elyra file has no primary pipeline", path=path)


def nodes(doc: dict) -> list[dict]:
    """The primary pipeline's nodes."""
    return _primary(doc)["nodes"]


def _node(doc: dict, node_id: str) -> dict:
    for n in _primary(doc)["nodes"]:
        if n.get("id") == node_id:
            return n
    raise NotebookReadError(
        f"Elyra node {node_id!r} is not in the pipeline", hint="read the file again: it changed"
    )


def node_of_file(doc: dict, filename: str) -> str | None:
    """The id of the node that runs ``filename`` (as its ``component_parameters`` spell it)."""
    for n in _primary(doc)["nodes"]:
        if ((n.get("app_data") or {}).get("component_parameters") or {}).get("filename") == filename:
            return n.get("id")
    return None


def add_node(
    doc: dict, filename: str, *, node_id: str | None = None, x: int = 0, y: int = 0
) -> tuple[dict, str]:
    """``doc`` with a node running ``filename`` (a notebook or a Python script, relative to the
    .pipeline file), and the node's id; an existing node of that file is returned as it is."""
    op = next((op for op, suffix in NODE_OPS.items() if filename.endswith(suffix)), None)
    if op is None:
        raise NotebookReadError(
            f"{filename}: an Elyra node runs a notebook (.ipynb) or a Python script (.py)",
            hint="drop a .ipynb or .py file",
        )
    out = copy.deepcopy(doc)
    existing = node_of_file(out, filename)
    if existing is not None:
        return out, existing
    nid = node_id or str(uuid.uuid4())
    label = Path(filename).name
    _primary(out)["nodes"].append(
        {
            "id": nid,
            "type": "execution_node",
            "op": op,
            "app_data": {
                "label": label,
                "component_parameters": {
                    "filename": filename,
                    "outputs": [],
                    "env_vars": [],
                    "dependencies": [],
                    "include_subdirectories": False,
                },
                "ui_data": {"label": label, "x_pos": x, "y_pos": y, "description": f"Run {label}"},
            },
            "inputs": [
                {
                    "id": INPUT_PORT,
                    "app_data": {"ui_data": {"cardinality": {"min": 0, "max": -1}, "label": "Input Port"}},
                    "links": [],
                }
            ],
            "outputs": [
                {
                    "id": OUTPUT_PORT,
                    "app_data": {"ui_data": {"cardinality": {"min": 0, "max": -1}, "label": "Output Port"}},
                }
            ],
        }
    )
    return out, nid


def remove_node(doc: dict, node_id: str) -> dict:
    """``doc`` without the node and without the links to it."""
    _node(doc, node_id)
    out = copy.deepcopy(doc)
    primary = _primary(out)
    primary["nodes"] = [n for n in primary["nodes"] if n.get("id") != node_id]
    for n in primary["nodes"]:
        for port in n.get("inputs") or []:
            if "links" in port:
                port["links"] = [ln for ln in port["links"] or [] if ln.get("node_id_ref") != node_id]
    return out


def add_link(doc: dict, source: str, target: str) -> dict:
    """``doc`` with a link ``source -> target`` (``target`` runs after ``source``) on the
    target's first input port; unchanged when it is there."""
    _node(doc, source)
    _node(doc, target)
    if source == target:
        raise NotebookReadError("a node cannot run after itself")
    out = copy.deepcopy(doc)
    node = _node(out, target)
    ports = node.setdefault("inputs", [])
    if not ports:
        ports.append({"id": INPUT_PORT, "links": []})
    links = ports[0].setdefault("links", [])
    if any(ln.get("node_id_ref") == source for p in ports for ln in p.get("links") or []):
        return out
    out_port = ((_node(out, source).get("outputs") or [{}])[0]).get("id") or OUTPUT_PORT
    links.append({"id": str(uuid.uuid4()), "node_id_ref": source, "port_id_ref": out_port})
    return out


def remove_link(doc: dict, source: str, target: str) -> dict:
    """``doc`` without the links ``source -> target``."""
    _node(doc, target)
    out = copy.deepcopy(doc)
    for port in _node(out, target).get("inputs") or []:
        if "links" in port:
            port["links"] = [ln for ln in port["links"] or [] if ln.get("node_id_ref") != source]
    return out
