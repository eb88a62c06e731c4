"""Elyra pipelines written back (model/elyra_write.py): read, edit, write, read again gives the
edited pipeline, and every field the edit does not name survives, known to us or not."""

from __future__ import annotations

import json
import re

import pytest
from elyrakit import elyra_project, write_nb

from notebook_ops.errors import NotebookReadError
from notebook_ops.model import load_pipeline
from notebook_ops.model.elyra_write import (
    add_link,
    add_node,
    node_of_file,
    read_document,
    remove_link,
    remove_node,
    write_elyra,
)


def _with_unknown_fields(path):
    """Fields of Elyra's editor and of a later version, which the writer must keep."""
    doc = json.loads(path.read_text())
    doc["x_future"] = {"kept": True}
    primary = doc["pipelines"][0]
    primary["app_data"]["ui_data"] = {"comments": [{"id": "c1", "content": "the join waits for both"}]}
    primary["nodes"][0]["app_data"]["ui_data"] = {"x_pos": 10, "y_pos": 20, "image": "notebook.svg"}
    primary["nodes"][3]["app_data"]["component_parameters"]["kubernetes_secrets"] = [{"env_var": "TOKEN"}]
    path.write_text(json.dumps(doc, indent=1))
    return doc


def test_unedited_write_reads_back_equal(tmp_path):
    path = elyra_project(tmp_path)
    doc = _with_unknown_fields(path)
    before = load_pipeline(path)
    write_elyra(path, read_document(path))
    assert json.loads(path.read_text()) == doc
    after = load_pipeline(path)
    assert after.step_names == before.step_names
    assert [s.after for s in after.steps] == [s.after for s in before.steps]


def test_add_node_and_link_round_trip(tmp_path):
    path = elyra_project(tmp_path)
    doc = _with_unknown_fields(path)
    write_nb(tmp_path, "report.ipynb", [("print('report')", ["keep-me"])])
    edited, nid = add_node(read_document(path), "report.ipynb", node_id="n5")
    edited = add_link(edited, "n4", nid)
    assert add_link(edited, "n4", nid) == edited  # a link that is there is not doubled
    write_elyra(path, edited)
    again = read_document(path)
    assert again == edited
    # every field of the file before is still there
    assert again["x_future"] == {"kept": True}
    assert again["pipelines"][0]["app_data"]["ui_data"] == doc["pipelines"][0]["app_data"]["ui_data"]
    assert again["pipelines"][0]["nodes"][:4] == doc["pipelines"][0]["nodes"]
    # and the pipeline has the new step after the join
    p = load_pipeline(path)
    assert p.ok, p.errors
    assert p.step_names[-1] == "report"
    assert p.step("report").after == ("join",)
    assert node_of_file(again, "report.ipynb") == "n5"
    # the same file again: the node it has
    assert add_node(again, "report.ipynb")[1] == "n5"


def test_remove_link_and_node_round_trip(tmp_path):
    path = elyra_project(tmp_path)
    doc = _with_unknown_fields(path)
    write_elyra(path, remove_link(read_document(path), "n2", "n4"))
    p = load_pipeline(path)
    assert set(p.step("join").after) == {"branch_b"}
    write_elyra(path, remove_node(read_document(path), "n3"))
    again = read_document(path)
    assert [n["id"] for n in again["pipelines"][0]["nodes"]] == ["n1", "n2", "n4"]
    assert again["pipelines"][0]["nodes"][2]["inputs"][0]["links"] == []  # the link from n3 went too
    assert again["pipelines"][0]["nodes"][2]["app_data"]["component_parameters"]["kubernetes_secrets"] == [
        {"env_var": "TOKEN"}
    ]
    assert again["x_future"] == doc["x_future"]
    p = load_pipeline(path)
    assert p.step_names == ["load", "branch_a", "join"]
    assert p.step("join").after == ()


def test_bad_edits_name_the_node(tmp_path):
    path = elyra_project(tmp_path)
    doc = read_document(path)
    with pytest.raises(NotebookReadError, match="Elyra node 'nx' is not in the pipeline"):
        add_link(doc, "nx", "n1")
    with pytest.raises(
        NotebookReadError, match=re.escape("runs a notebook (.ipynb) or a Python script (.py)")
    ):
        add_node(doc, "data.csv")
    with pytest.raises(NotebookReadError, match="cannot run after itself"):
        add_link(doc, "n1", "n1")
    (tmp_path / "other.pipeline").write_text('{"doc_type": "component"}')
    with pytest.raises(NotebookReadError, match="not an Elyra pipeline"):
        read_document(tmp_path / "other.pipeline")
