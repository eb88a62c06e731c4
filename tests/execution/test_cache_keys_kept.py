"""Cache keys do not move with the runner's speed-ups: a cache made by an earlier version is fully
reused. The keys below are what notebook-ops computes for this chain; a change to the step
notebooks (their code cells are in the key) or to the key itself fails here, and means every
user's cache is thrown away. They moved once on purpose (issue 25's stale steps): the parameters
cell left the code fingerprint, so a default is a value like a ``-p`` one and a changed default
re-runs only the steps that read it (the last test)."""

from __future__ import annotations

import pytest

from conftest import write_nb
from notebook_ops.execution import run_notebook

pytestmark = pytest.mark.timeout(900)

CELLS = [
    ("import json", ["setup"]),
    ("scale = 2", ["parameters"]),
    ("a = [1, 2, 3]\nprint(len(a))", ["step:make"]),
    ("b = [x * scale for x in a]", ["step:double", "after:make"]),
    ("total = sum(b)\nprint(json.dumps({'total': total}))", ["step:report", "after:double"]),
]
# computed by notebook-ops since the parameters cell left the code fingerprint (python3 kernel);
# at a514138 they were make 871d3f11..., double 366be21d..., report 9b789b4a...
KEYS_BEFORE = {
    "make": "55a1df18436b9765666c4cac27e8615f",
    "double": "d2ce1e9ed8366b4b0ff3da96882e7afe",
    "report": "e78bc4934356f4f3380f0b70da2cd118",
}


def test_cache_keys_are_those_of_the_version_before_and_reused(tmp_path):
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)
    first = run_notebook(nb, cache=True, track=False)
    assert first.status == "succeeded", first.record["error"]
    assert {n: s["cache_key"] for n, s in first.record["steps"].items()} == KEYS_BEFORE
    again = run_notebook(nb, cache=True, track=False)
    assert again.status == "succeeded"
    assert all(s["cached"] for s in again.record["steps"].values()), again.record["steps"]


def test_a_changed_default_re_runs_only_the_steps_that_read_it(tmp_path):
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)
    assert run_notebook(nb, cache=True, track=False).status == "succeeded"
    edited = [("scale = 3", tags) if tags == ["parameters"] else (src, tags) for src, tags in CELLS]
    nb = write_nb(tmp_path, "chain.ipynb", edited)
    again = run_notebook(nb, cache=True, track=False)
    assert again.status == "succeeded"
    cached = {n: s["cached"] for n, s in again.record["steps"].items()}
    assert cached == {"make": True, "double": False, "report": False}
