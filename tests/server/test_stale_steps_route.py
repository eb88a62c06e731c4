"""POST /notebook-ops/api/stale-steps against a real Jupyter server, after a real run."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from notebook_ops.execution import run_notebook
from nbfactory import sha

ROUTE = ("notebook-ops", "api", "stale-steps")


async def post(jp_fetch, body):
    return json.loads((await jp_fetch(*ROUTE, method="POST", body=json.dumps(body))).body)


async def error_of(jp_fetch, body):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*ROUTE, method="POST", body=json.dumps(body))
    return info.value.code, json.loads(info.value.response.body)


async def test_unsaved_edits_are_judged_against_the_last_run(jp_fetch, notebook_file, nb, two_steps):
    never = await post(jp_fetch, {"path": "two.ipynb"})
    assert [s["state"] for s in never["steps"]] == ["never_run", "never_run"]
    assert never["stale"] == ["load", "train"]

    res = run_notebook(notebook_file, track=False)
    assert res.status == "succeeded"
    fresh = await post(jp_fetch, {"path": "two.ipynb"})
    assert fresh["stale"] == [] and fresh["pipeline"] == "two" and fresh["cache"] is True
    assert {s["run_id"] for s in fresh["steps"]} == {res.run_id}

    # the lab posts the notebook as edited, unsaved: train's code changed
    before = sha(notebook_file)
    edited = two_steps[:3] + [("y = math.sqrt(x) + 1", ["step:train"])]
    reply = await post(jp_fetch, {"path": "two.ipynb", "content": nb(edited)})
    load, train = reply["steps"]
    assert load["state"] == "fresh"
    assert (train["state"], train["reasons"], train["run_id"]) == ("stale", ["code"], res.run_id)
    assert reply["stale"] == ["train"]
    # the parameters the Run dialog would send: load reads alpha
    given = await post(jp_fetch, {"path": "two.ipynb", "parameters": {"alpha": "0.75"}})
    assert given["steps"][0]["reasons"] == ["parameters"]
    assert given["steps"][1]["reasons"] == ["upstream"]
    assert sha(notebook_file) == before  # nothing written to the notebook


async def test_bad_input_is_one_line(jp_fetch, notebook_file, nb):
    code, body = await error_of(jp_fetch, {"path": "two.ipynb", "parameters": {"nope": 1}})
    assert code == 400 and "nope" in body["message"]
    broken = nb([("a = 1", ["step:one"]), ("b = 2", ["step:one"])])
    code, body = await error_of(jp_fetch, {"path": "two.ipynb", "content": broken})
    assert code == 422 and body["problems"]
    code, body = await error_of(jp_fetch, {"path": "../two.ipynb"})
    assert code in (400, 403)
    code, body = await error_of(jp_fetch, {"path": "missing.ipynb"})
    assert code == 404
