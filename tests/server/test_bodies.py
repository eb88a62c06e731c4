"""Every REST body is its contract: real replies of a real server checked against the generated
schemas in notebook_ops/model/schema/ (the lab's TypeScript types come from those files)."""

from __future__ import annotations

import json

import pytest
from waiting import eventually_async
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.slow
API = ("notebook-ops", "api")


async def call(jp_fetch, *parts, method="GET", body=None, params=None):
    kw = {"method": method, "params": params or {}, "request_timeout": 300}
    if body is not None:
        kw["body"] = json.dumps(body)
    try:
        reply = await jp_fetch(*API, *parts, **kw)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body)
    return reply.code, json.loads(reply.body)


async def test_replies_match_their_schemas(jp_fetch, jp_root_dir, nb, notebook_file, schema_check):
    path = notebook_file.name
    code, view = await call(jp_fetch, "pipelines", method="POST", body={"path": path})
    assert code == 200
    schema_check("pipeline-view", view)
    assert view["cell_roles"] == ["parameters", "setup", "code", "code"]
    assert [s["cells"] for s in view["steps"]] == [[2], [3]]

    code, started = await call(
        jp_fetch, "runs", method="POST", body={"path": path, "track": False, "parameters": {"alpha": 2}}
    )
    assert code == 202, started
    schema_check("rest-run-view", started)

    async def ended():
        _, run = await call(jp_fetch, "runs", started["run_id"], params={"path": path})
        return run if run["status"] != "running" and not run["active"] else None

    run = await eventually_async(ended, timeout=240, interval=0.5, what="the run to end")
    assert run["status"] == "succeeded", run
    schema_check("rest-run-view", run)
    assert run["active"] is False  # always sent: the lab's Cancel button reads it
    code, listing = await call(jp_fetch, "runs", params={"path": path})
    schema_check("rest-runs-response", listing)
    code, page = await call(jp_fetch, "runs", run["run_id"], "steps", "train", params={"path": path})
    assert code == 200, page
    assert schema_check("rest-step-notebook-response", page)["content"]["nbformat"] == 4

    code, made = await call(
        jp_fetch, "schedules", method="POST", body={"path": path, "cron": "0 6 * * 1", "name": "weekly"}
    )
    assert code == 201, made
    schema_check("schedule-view", made)
    code, listing = await call(jp_fetch, "schedules", params={"path": path})
    schema_check("rest-schedules-response", listing)

    code, error = await call(jp_fetch, "runs", method="POST", body={"path": path, "jobs": "2"})
    assert code == 400 and error["message"] == "'jobs' must be an integer, got '2'"
    schema_check("rest-error", error)
    (jp_root_dir / "bad.ipynb").write_text(json.dumps(nb([("x = 1", ["step:a", "after:ghost"])])))
    code, error = await call(jp_fetch, "runs", method="POST", body={"path": "bad.ipynb"})
    assert code == 422 and error["problems"][0]["code"] == "unknown-after"
    schema_check("rest-error", error)
