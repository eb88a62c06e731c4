"""GET /notebook-ops/api/runs/{a}/comparisons/{b}: two real runs of a notebook side by side, the
same comparison ``notebook-ops runs compare`` prints (notebook_ops/execution/compare.py)."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from notebook_ops.execution import run_notebook
from notebook_ops.execution.compare import compare_runs
from notebook_ops.model.contracts.runs import RunRecord

pytestmark = pytest.mark.slow

RUNS = ("notebook-ops", "api", "runs")


async def call(jp_fetch, *parts, params=None):
    try:
        reply = await jp_fetch(*parts, params=params or {}, request_timeout=120)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


async def test_two_runs_compare_over_http(jp_fetch, jp_root_dir, nb, schema_check):
    (jp_root_dir / "work").mkdir()
    path = jp_root_dir / "work" / "tiny.ipynb"
    cells = [
        ("n = 3  # how many", ["parameters"]),
        ("values = list(range(10))", ["step:make"]),
        ("total = sum(values[:n])\nimport notebook_ops as nbo\nnbo.log_metric('total', total)", ["step:add"]),
    ]
    path.write_text(json.dumps(nb(cells)))
    first = run_notebook(path, track=False)
    second = run_notebook(path, params={"n": 4}, track=False)
    code, body = await call(
        jp_fetch, *RUNS, first.run_id, "comparisons", second.run_id, params={"path": "work/tiny.ipynb"}
    )
    assert code == 200, body
    schema_check("run-comparison", body)
    expected = compare_runs(RunRecord.read(first.run_dir), RunRecord.read(second.run_dir))
    assert body == json.loads(json.dumps(expected.to_dict()))
    assert [(p["name"], p["a"], p["b"], p["changed"]) for p in body["parameters"]] == [("n", 3, 4, True)]
    assert {s["name"]: s["outcome_b"] for s in body["steps"]} == {"make": "reused", "add": "re-ran"}
    assert next(m for m in body["metrics"] if m["name"] == "total")["delta"] == 3
    # a run the notebook does not have: 404 naming it
    code, body = await call(
        jp_fetch, *RUNS, first.run_id, "comparisons", "nope", params={"path": "work/tiny.ipynb"}
    )
    assert code == 404 and "nope" in body["message"]
