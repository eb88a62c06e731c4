"""POST /notebook-ops/api/pipelines against a real Jupyter server."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


ROUTE = ("notebook-ops", "api", "pipelines")


async def post(jp_fetch, body, **kw):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return await jp_fetch(*ROUTE, method="POST", body=data, **kw)


async def error_of(jp_fetch, body, **kw):
    with pytest.raises(HTTPClientError) as info:
        await post(jp_fetch, body, **kw)
    err = info.value
    return err.code, json.loads(err.response.body) if err.response.body else {}


async def test_inspects_a_saved_notebook(jp_fetch, notebook_file):
    reply = await post(jp_fetch, {"path": "two.ipynb"})
    data = json.loads(reply.body)
    assert [s["name"] for s in data["steps"]] == ["load", "train"]
    assert data["steps"][1]["inputs"] == ["x"]
    assert data["parameters"][0]["name"] == "alpha"
    assert data["parameters"][0]["default"] == 0.5
    assert data["path"] == "two.ipynb"
    assert data["problems"] == []


async def test_unsaved_content_wins_over_the_file(jp_fetch, notebook_file, nb, two_steps):
    cells = two_steps + [("z = y + 1", ["step:evaluate"])]
    reply = await post(jp_fetch, {"path": "two.ipynb", "content": nb(cells)})
    assert [s["name"] for s in json.loads(reply.body)["steps"]] == ["load", "train", "evaluate"]
    # the file on disk is untouched
    assert "evaluate" not in notebook_file.read_text()


async def test_problems_come_with_their_cell(jp_fetch, notebook_file, nb):
    cells = [("a = 1", ["step:one"]), ("b = 2", ["step:one"])]
    reply = await post(jp_fetch, {"path": "two.ipynb", "content": nb(cells)})
    problems = json.loads(reply.body)["problems"]
    assert any(p["severity"] == "error" and p["cell"] == 1 for p in problems), problems


async def test_unknown_notebook_is_404_json(jp_fetch, jp_root_dir):
    code, body = await error_of(jp_fetch, {"path": "missing.ipynb"})
    assert code == 404
    assert body["error"] == "NotFoundError"
    assert "missing.ipynb" in body["message"]


async def test_not_json_body_is_400(jp_fetch, notebook_file):
    code, body = await error_of(jp_fetch, "{not json")
    assert code == 400
    assert "not valid JSON" in body["message"]


async def test_body_must_be_an_object_with_a_path(jp_fetch, notebook_file, nb, two_steps):
    assert (await error_of(jp_fetch, "[1, 2]"))[0] == 400
    code, body = await error_of(jp_fetch, {"content": nb(two_steps)})
    assert code == 400 and "path" in body["message"]
    assert (await error_of(jp_fetch, {"path": "two.ipynb", "content": "text"}))[0] == 400


async def test_a_file_that_is_not_a_notebook_is_a_json_error(jp_fetch, jp_root_dir):
    (jp_root_dir / "bad.ipynb").write_text("this is not json")
    code, body = await error_of(jp_fetch, {"path": "bad.ipynb"})
    assert 400 <= code < 500
    assert body["message"]


async def test_features_lists_what_the_panel_may_offer(jp_fetch):
    reply = await jp_fetch("notebook-ops", "api", method="GET")
    data = json.loads(reply.body)
    assert data["version"]
    assert set(data["features"]) == {"runs", "exports", "schedules", "remote_runs", "models"}
    assert data["features"]["remote_runs"] is False  # no Airflow configured
    assert data["features"]["models"] is True  # MLflow is installed here: the Models section works
    assert all(isinstance(v, bool) for v in data["features"].values())
