"""Cache keys do not move with the runner's speed-ups: a cache made by an earlier version (main at
a514138, before the step-cost work of issue 27) is fully reused. The keys below are what that
version computed for this chain; a change to the step notebooks (their code cells are in the
key) or to the key itself fails here, and means every user's cache is thrown away."""

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
# computed by notebook-ops at a514138 (python3 kernel)
KEYS_BEFORE = {
    "make": "871d3f11380a2167e36a0611355c934a",
    "double": "366be21d8cd3ddb08cc19a47cef073af",
    "report": "9b789b4a8979cf7d950431619d323a4e",
}


def test_cache_keys_are_those_of_the_version_before_and_reused(tmp_path):
    nb = write_nb(tmp_path, "chain.ipynb", CELLS)
    first = run_notebook(nb, cache=True, track=False)
    assert first.status == "succeeded", first.record["error"]
    assert {n: s["cache_key"] for n, s in first.record["steps"].items()} == KEYS_BEFORE
    again = run_notebook(nb, cache=True, track=False)
    assert again.status == "succeeded"
    assert all(s["cached"] for s in again.record["steps"].values()), again.record["steps"]
